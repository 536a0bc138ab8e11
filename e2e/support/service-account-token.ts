// Service-account tokens for pods through the TokenRequest API, as `kubectl create token` does.
// With the ServiceAccount admission plugin and the serviceaccount controller off, no namespace has a
// `default` ServiceAccount; the agent creates it on first use, like that controller would. A named
// account that does not exist is a configuration error of the pod (shown and retried).
import type { CoreV1Api } from '@kubernetes/client-node';
import { isConflict, isNotFound } from './kube.js';
import { PodConfigError } from './pod-fields.js';

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export async function requestServiceAccountToken(
  core: CoreV1Api,
  namespace: string,
  serviceAccount: string,
  audience?: string,
  expirationSeconds = 3600,
): Promise<IssuedToken> {
  const ask = async (): Promise<IssuedToken> => {
    const answer = await core.createNamespacedServiceAccountToken({
      name: serviceAccount,
      namespace,
      // No audiences: the apiserver's own (its issuer URL), as for in-cluster clients.
      body: { spec: { audiences: audience === undefined ? [] : [audience], expirationSeconds } },
    });
    const token = answer.status?.token;
    if (token === undefined || token === '') throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
    const expiresAt = answer.status?.expirationTimestamp;
    return { token, expiresAt: expiresAt === undefined ? new Date(Date.now() + expirationSeconds * 1000) : new Date(expiresAt) };
  };
  try {
    return await ask();
  } catch (error) {
    if (!isNotFound(error)) throw error;
    if (serviceAccount !== 'default') throw new PodConfigError(`serviceaccount "${serviceAccount}" not found in namespace "${namespace}"`);
  }
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  return ask();
}
