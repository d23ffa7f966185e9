import { Layout, type LayoutProps } from "./layout";

export interface ErrorPageProps extends Pick<LayoutProps, "viewer" | "csrfToken"> {
  status: number;
  title: string;
  detail: string;
  requestId: string;
}

export function ErrorPage(props: ErrorPageProps) {
  return (
    <Layout title={props.title} viewer={props.viewer} csrfToken={props.csrfToken}>
      <h1>{props.title}</h1>
      <p id="error-detail">{props.detail}</p>
      <p class="muted">
        HTTP {props.status} · request id <code>{props.requestId}</code>
      </p>
      <p>
        <a href="/">Back to the console</a>
      </p>
    </Layout>
  );
}
