import { type ErrorCode, errorCodes } from "./codes";

export interface FieldError {
  /** Dotted path of the offending field, e.g. `takeProfit.price`. */
  field: string;
  message: string;
}

export interface OrderhookErrorOptions {
  detail?: string;
  errors?: FieldError[];
  /** Seconds until a retry can succeed (429, 503). */
  retryAfter?: number;
  cause?: unknown;
}

/** A domain failure with a stable machine code. */
export class OrderhookError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly errors: FieldError[] | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, options: OrderhookErrorOptions = {}) {
    const spec = errorCodes[code];
    super(options.detail ?? spec.title, { cause: options.cause });
    this.name = "OrderhookError";
    this.code = code;
    this.status = spec.status;
    this.retryable = spec.retryable;
    this.errors = options.errors;
    this.retryAfter = options.retryAfter;
  }

  get title(): string {
    return errorCodes[this.code].title;
  }
}

export function isOrderhookError(value: unknown): value is OrderhookError {
  return value instanceof OrderhookError;
}
