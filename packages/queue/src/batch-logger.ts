/** What the batch consumer logs through: pino's signature, so a pino logger fits as is. */
export interface BatchLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
