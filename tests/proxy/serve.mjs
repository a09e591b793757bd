// @discordjs/proxy in front of the loopback fake Discord, for tests/proxy/test_proxy.py.
// Usage: node serve.mjs http://127.0.0.1:PORT/api [REQUESTS_PER_SECOND]
//   -> prints {"port": N} once it listens on 127.0.0.1. The global limit defaults to Discord's 50/s.
import { createServer } from "node:http";
import { proxyRequests } from "@discordjs/proxy";
import { REST } from "@discordjs/rest";

const upstream = process.argv[2];
const globalRequestsPerSecond = Number(process.argv[3] ?? 50);
const rest = new REST({ api: upstream, version: "10", globalRequestsPerSecond, timeout: 30_000 });
const server = createServer(proxyRequests(rest));
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
