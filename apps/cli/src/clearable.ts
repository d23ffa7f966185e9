/** The word that puts a setting back to its default in `… update` commands. */
export const CLEAR = "none";

/** What a clearable option parses `none` to (commander turns a parser's null into ""). */
export const CLEARED: unique symbol = Symbol(CLEAR);

/** Commander argument parser for a setting that `none` clears; anything else goes to `parse`. */
export function clearable<T>(parse: (value: string) => T): (value: string) => T | typeof CLEARED {
  return (value) => (value.trim().toLowerCase() === CLEAR ? CLEARED : parse(value));
}

/** An option's value for the admin operations: absent stays undefined, `none` becomes null. */
export function cleared<T>(value: T | typeof CLEARED | undefined): T | null | undefined {
  return value === CLEARED ? null : value;
}
