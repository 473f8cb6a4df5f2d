import { SELF, env } from "cloudflare:test";
import { it, expect } from "vitest";
it("answers", async () => {
  const r = await SELF.fetch("http://x/");
  expect(await r.text()).toBe("promflare");
});
