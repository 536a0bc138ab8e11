// Small helpers around @kubernetes/client-node shared by the node agent and the tests.
import { ApiException, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/** Loads a kubeconfig file, or passes an already loaded one through. */
export function loadKubeConfig(source: string | KubeConfig): KubeConfig {
  if (typeof source !== 'string') return source;
  const kc = new KubeConfig();
  kc.loadFromFile(source);
  return kc;
}

/** The HTTP status of a failed API call, or undefined for other errors. */
export function apiStatus(error: unknown): number | undefined {
  if (error instanceof ApiException) return (error as ApiException<unknown>).code;
  return undefined;
}

export const isNotFound = (error: unknown): boolean => apiStatus(error) === 404;
export const isConflict = (error: unknown): boolean => apiStatus(error) === 409;

/** A short, single-line description of an API error (the Status message when there is one). */
export function describeError(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = (error as ApiException<unknown>).body;
    let message: string | undefined;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed.message === 'string') message = parsed.message;
      } catch {
        message = body.slice(0, 300);
      }
    } else if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
      message = (body as { message: string }).message;
    }
    return `HTTP ${(error as ApiException<unknown>).code}${message === undefined ? '' : `: ${message}`}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Request options that send a JSON merge patch (client-node defaults to JSON patch). */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Request options that send a strategic merge patch. */
export const STRATEGIC_MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
