import { Hono } from "hono";
export { Ingester } from "../durable-objects/ingester";
export { Tenant } from "../durable-objects/tenant";
const app = new Hono();
app.get("/", (c) => c.text("promflare"));
export default app;
