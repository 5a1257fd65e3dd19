// Issue #18 point 4: the broker start-up probe must not count a TCP self-connection (simultaneous
// open, possible when the port is in the ephemeral range and nothing listens) as a listener, and
// must not keep the port: the broker has to be able to bind it right after. Real sockets on loopback;
// the self-connection is forced by giving the probe the target port as its source port.
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { freePorts } from '../../../local-broker/index.ts';
import { isSelfConnected, portListening } from '../../../local-broker/port-probe.ts';

const listen = (port: number) =>
  new Promise<net.Server>((resolve, reject) => {
    const s = net.createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

describe('portListening', () => {
  it('a socket whose source port is the target port connects to itself (the hazard, shown with a raw socket)', async () => {
    const [port] = await freePorts(1);
    const socket = net.connect({ host: '127.0.0.1', port: port!, localAddress: '127.0.0.1', localPort: port! });
    const connected = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(isSelfConnected(socket)));
      socket.once('error', () => resolve(false));
    });
    socket.destroy();
    expect(connected).toBe(true);
  });

  it('counts a self-connection as not listening, and leaves the port bindable', async () => {
    const [port] = await freePorts(1);
    expect(await portListening('127.0.0.1', port!, { localPort: port! })).toBe(false);
    const server = await listen(port!);
    expect((server.address() as net.AddressInfo).port).toBe(port);
    await close(server);
  });

  it('is true for a real listener and false for a closed port', async () => {
    const [port] = await freePorts(1);
    expect(await portListening('127.0.0.1', port!)).toBe(false);
    const server = await listen(port!);
    expect(await portListening('127.0.0.1', port!)).toBe(true);
    await close(server);
  });
});
