-- Reviewed by hand: the new columns are nullable without a default, so adding them rewrites no table,
-- and null keeps every existing user and webhook on the behaviour from before (the receiver's rate as
-- the burst, DEDUP_WINDOW_MS, no default quantity, no max lag); every CHECK holds for null.
ALTER TABLE "users" ADD COLUMN "rate_limit_burst" integer;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "default_quantity" numeric;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "dedup_window_ms" integer;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "max_lag_seconds" integer;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_rate_limit_burst_positive" CHECK ("users"."rate_limit_burst" > 0);--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_default_quantity_positive" CHECK ("webhooks"."default_quantity" > 0);--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_dedup_window_ms_range" CHECK ("webhooks"."dedup_window_ms" between 0 and 3600000);--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_max_lag_seconds_range" CHECK ("webhooks"."max_lag_seconds" between 1 and 86400);