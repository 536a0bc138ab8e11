// One probe attempt (httpGet, tcpSocket, exec) against a local process, and the probe timings the
// agent uses. All pods share the host network, so the probe goes to 127.0.0.1 on the port the agent
// gave the container, whatever port the pod spec names.
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { V1Probe } from '@kubernetes/client-node';

export interface ProbeTarget {
  port: number;
  env: Record<string, string>;
  cwd: string;
}

/**
 * Kubernetes probe settings. Successes are looked for every `pollMs` (the period capped, so tests do
 * not wait 10 s for readiness); failures count at most once per real `periodMs`, so a slow start is
 * given as long as in a cluster before a liveness or startup probe gives up.
 */
export interface ProbeTimings {
  initialDelayMs: number;
  pollMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export function probeTimings(probe: V1Probe, capMs: number): ProbeTimings {
  const periodMs = Math.max(1, probe.periodSeconds ?? 10) * 1000;
  return {
    initialDelayMs: Math.min((probe.initialDelaySeconds ?? 0) * 1000, capMs),
    pollMs: Math.max(50, Math.min(periodMs, capMs)),
    periodMs,
    timeoutMs: Math.max(200, (probe.timeoutSeconds ?? 1) * 1000),
    successThreshold: Math.max(1, probe.successThreshold ?? 1),
    failureThreshold: Math.max(1, probe.failureThreshold ?? 3),
  };
}

function httpGet(probe: NonNullable<V1Probe['httpGet']>, target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  const https = (probe.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.34' };
  for (const header of probe.httpHeaders ?? []) headers[header.name] = header.value;
  const path = probe.path === undefined || probe.path === '' ? '/' : probe.path;
  return new Promise((resolve) => {
    const options = { host: '127.0.0.1', port: target.port, path, headers, timeout: timeoutMs, method: 'GET' };
    const req = https
      ? httpsRequest({ ...options, rejectUnauthorized: false }, onResponse)
      : httpRequest(options, onResponse);
    function onResponse(res: { statusCode?: number | undefined; resume(): void }): void {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400);
    }
    req.on('timeout', () => req.destroy(new Error('probe timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

function tcpSocket(target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: target.port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function exec(command: string[], target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  const [file, ...args] = command;
  if (file === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile(file, args, { env: target.env, cwd: target.cwd, timeout: timeoutMs }, (error) => resolve(error === null));
  });
}

/** One attempt: true on success. Unsupported kinds (grpc) always fail, as an unknown probe would. */
export function runProbe(probe: V1Probe, target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  if (probe.httpGet !== undefined) return httpGet(probe.httpGet, target, timeoutMs);
  if (probe.tcpSocket !== undefined) return tcpSocket(target, timeoutMs);
  if (probe.exec !== undefined) return exec(probe.exec.command ?? [], target, timeoutMs);
  return Promise.resolve(false);
}
