-- Reviewed by hand: rows written before the CHECK with a rate of 0 or below get the lowest positive
-- rate (1 alert per second), the closest working limit to what was meant, so the constraint applies.
UPDATE "users" SET "rate_limit_per_second" = 1 WHERE "rate_limit_per_second" <= 0;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_rate_limit_per_second_positive" CHECK ("users"."rate_limit_per_second" > 0);
