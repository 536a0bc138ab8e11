// The validating admission decision for DataFlows (AdmissionReview admission.k8s.io/v1): the same
// answer the controller would give later as SpecValid=False, given at `kubectl apply` time instead.
// The spec is checked as written (validateSpec), then again with defaults applied (applyDefaults),
// as the worker re-checks the config it is handed; a denial lists every { path, message }.
import { GROUP, KIND, applyDefaults, validateSpec } from '@dataflow/api';
import type { SpecIssue } from '@dataflow/api';
import { isDeepStrictEqual } from 'node:util';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
/** How many issues the denial message lists one by one (all of them go to status.details.causes). */
const MAX_LISTED_IN_MESSAGE = 20;

/** The AdmissionReview request fields this webhook reads. */
interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; kind?: string };
  operation?: string;
  namespace?: string;
  name?: string;
  object?: unknown;
  oldObject?: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: {
    code: number;
    reason: 'Invalid' | 'BadRequest';
    message: string;
    details?: { group: string; kind: string; name?: string; causes: Array<{ reason: 'FieldValueInvalid'; field: string; message: string }> };
  };
}

export interface AdmissionReviewReply {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** The body is not an AdmissionReview v1 with a request uid: the server answers HTTP 400. */
export class AdmissionReviewError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseRequest(body: unknown): AdmissionRequest {
  if (!isObject(body)) throw new AdmissionReviewError('the body must be a JSON object (an AdmissionReview)');
  if (body['apiVersion'] !== ADMISSION_API_VERSION || body['kind'] !== 'AdmissionReview') {
    throw new AdmissionReviewError(`expected apiVersion ${ADMISSION_API_VERSION} and kind AdmissionReview, got ${String(body['apiVersion'])} ${String(body['kind'])}`);
  }
  const request = body['request'];
  if (!isObject(request) || typeof request['uid'] !== 'string' || request['uid'] === '') throw new AdmissionReviewError('request.uid is missing');
  return request as unknown as AdmissionRequest;
}

function metadataOf(object: unknown): Record<string, unknown> {
  return isObject(object) && isObject(object['metadata']) ? object['metadata'] : {};
}

/** The issues of a DataFlow object (empty = valid). */
export function dataFlowIssues(object: unknown, namespace: string | undefined): SpecIssue[] {
  if (!isObject(object)) return [{ path: '', message: 'the object must be a DataFlow' }];
  const options = namespace === undefined ? {} : { namespace };
  const written = validateSpec(object['spec'], options);
  if (!written.ok) return written.issues;
  const name = metadataOf(object)['name'];
  const flow = namespace !== undefined && typeof name === 'string' && name !== '' ? { namespace, name } : undefined;
  const defaulted = validateSpec(applyDefaults(written.spec, flow), options);
  return defaulted.ok ? [] : defaulted.issues;
}

/** `the DataFlow spec is invalid: spec.sink.config.table: is required; …` */
export function denialMessage(issues: readonly SpecIssue[]): string {
  const listed = issues.slice(0, MAX_LISTED_IN_MESSAGE).map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
  const more = issues.length > MAX_LISTED_IN_MESSAGE ? `; and ${issues.length - MAX_LISTED_IN_MESSAGE} more` : '';
  return `the DataFlow spec is invalid: ${listed.join('; ')}${more}`;
}

/** Whether this request needs a verdict at all (anything else is allowed unchecked). */
function needsReview(request: AdmissionRequest): boolean {
  if (request.kind !== undefined && (request.kind.group !== GROUP || request.kind.kind !== KIND)) return false;
  if (request.operation === 'CREATE') return true;
  if (request.operation !== 'UPDATE') return false;
  // A flow being deleted must be able to lose its finalizers, and an edit that leaves the spec as
  // it was (labels, annotations, finalizers) must not be refused because the rules grew stricter.
  if (metadataOf(request.object)['deletionTimestamp'] !== undefined) return false;
  return !(isObject(request.object) && isObject(request.oldObject) && isDeepStrictEqual(request.object['spec'], request.oldObject['spec']));
}

/** Answers one AdmissionReview; throws AdmissionReviewError for a body that is not one. */
export function reviewDataFlow(body: unknown): AdmissionReviewReply {
  const request = parseRequest(body);
  const reply = (response: AdmissionResponse): AdmissionReviewReply => ({ apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response });
  if (!needsReview(request)) return reply({ uid: request.uid, allowed: true });

  const fromObject = metadataOf(request.object)['namespace'];
  const namespace = request.namespace ?? (typeof fromObject === 'string' ? fromObject : undefined);
  const issues = dataFlowIssues(request.object, namespace);
  if (issues.length === 0) return reply({ uid: request.uid, allowed: true });
  const name = request.name ?? metadataOf(request.object)['name'];
  return reply({
    uid: request.uid,
    allowed: false,
    status: {
      code: 422,
      reason: 'Invalid',
      message: denialMessage(issues),
      details: {
        group: GROUP,
        kind: KIND,
        ...(typeof name === 'string' && name !== '' ? { name } : {}),
        causes: issues.map((i) => ({ reason: 'FieldValueInvalid' as const, field: i.path, message: i.message })),
      },
    },
  });
}
