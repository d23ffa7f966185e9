import { InvalidArgumentError } from "commander";

/** Commander argument parser for whole numbers; ranges are checked by the admin operation. */
export function parseInteger(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError("expected a whole number.");
  return Number(value);
}
