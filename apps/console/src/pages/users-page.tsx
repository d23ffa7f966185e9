import type { UserListing } from "@orderhook/admin";
import { formatTime } from "./format";
import { Layout, type LayoutProps } from "./layout";

export interface UsersPageProps extends Pick<LayoutProps, "viewer" | "csrfToken"> {
  users: UserListing[];
  search: string;
  limit: number;
}

/** The operator's user picker: find a user and look at the console as they do. */
export function UsersPage(props: UsersPageProps) {
  const acting = props.viewer?.user?.id;
  return (
    <Layout title="Users" viewer={props.viewer} csrfToken={props.csrfToken} current="users">
      <h1>Users</h1>
      <form method="get" action="/operator/users" class="inline">
        <label for="search">Email or name contains</label>{" "}
        <input id="search" name="q" type="search" value={props.search} /> <button type="submit">Find</button>
      </form>
      {props.users.length === 0 ? (
        <p>No users{props.search ? " match" : " yet"}.</p>
      ) : (
        <table class="users">
          <caption class="visually-hidden">Users by email</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Webhooks</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span class="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((user) => (
              <tr data-user-id={user.id}>
                <td data-label="Email">{user.email}</td>
                <td data-label="Name">{user.name ?? "—"}</td>
                <td data-label="Webhooks" class="number">
                  {user.webhooks}
                </td>
                <td data-label="Created">{formatTime(user.createdAt)}</td>
                <td>
                  {user.id === acting ? (
                    <strong>viewing</strong>
                  ) : (
                    <form method="post" action="/operator/view-as" class="inline">
                      <input type="hidden" name="_csrf" value={props.csrfToken} />
                      <input type="hidden" name="userId" value={user.id} />
                      <button type="submit" aria-label={`View as ${user.email}`}>
                        View as
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.users.length >= props.limit ? <p>Showing the first {props.limit}; narrow the search.</p> : null}
    </Layout>
  );
}
