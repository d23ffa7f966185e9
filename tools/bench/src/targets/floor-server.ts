/**
 * The floor: a bare Hono hello-world POST handler on @hono/node-server. Nothing can answer
 * faster through the same stack, so the receiver's peak is reported as a fraction of this.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.post("/v1/webhooks/:token", (c) => c.json({ ok: true }, 202));
app.get("/healthz", (c) => c.text("ok"));

serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" });
process.on("SIGTERM", () => process.exit(0));
