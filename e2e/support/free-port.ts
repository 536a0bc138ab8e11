// Free loopback TCP ports: pods share the host network, so every container gets its own port.
import { createServer } from 'node:net';

/** A port that is free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

/** Hands out free ports, never the same one twice while it is in use by a pod. */
export class PortAllocator {
  private readonly used = new Set<number>();

  async allocate(): Promise<number> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const port = await freePort();
      if (!this.used.has(port)) {
        this.used.add(port);
        return port;
      }
    }
    throw new Error('no free loopback port after 20 attempts');
  }

  release(port: number): void {
    this.used.delete(port);
  }
}
