/**
 * The benchmark's baseline: a bare node:http server that parses the JSON body and echoes it back.
 * The fraud API is judged against this in the same run (`npm run bench:api`).
 */
import { createServer } from "node:http";

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    let body: string;
    try {
      body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
