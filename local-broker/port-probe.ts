// Is something listening on host:port? Used while a local broker starts (local-broker/broker.ts).
// A plain connect loop can connect a socket to ITSELF: when the port is in the ephemeral range
// and nothing listens yet, the kernel may pick the target port as the socket's own source port,
// and TCP simultaneous open then "succeeds" with no listener at all. That socket holds the port,
// so the broker could not bind it ("Address already in use"). A self-connected socket is
// recognised (same address and port at both ends), closed at once and counted as not listening.
import net from 'node:net';

export interface ProbeOptions {
  timeoutMs?: number;
  /** Source port of the probe (tests use it to force a self-connection); default: the kernel's choice. */
  localPort?: number;
}

/** True when the socket's two ends are the same address and port (TCP simultaneous-open self-connect). */
export function isSelfConnected(socket: net.Socket): boolean {
  return socket.localPort !== undefined && socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
}

/** Resolves true when a listener accepted the connection; false on refusal, timeout or self-connection. */
export function portListening(host: string, port: number, opts: ProbeOptions = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, ...(opts.localPort ? { localAddress: host, localPort: opts.localPort } : {}) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(opts.timeoutMs ?? 1000, () => done(false));
    socket.once('connect', () => done(!isSelfConnected(socket)));
    socket.once('error', () => done(false));
  });
}
