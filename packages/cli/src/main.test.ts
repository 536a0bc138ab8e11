// Black-box tests of the `dataflow` CLI: spawn the built main.js and check exit codes and output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'dataflow-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

const validFlow = `apiVersion: dataflow.dataflow.io/v1
kind: DataFlow
metadata:
  name: demo
spec:
  source:
    type: file
    config:
      path: in.ndjson
  sink:
    type: stdout
`;

void describe('dataflow validate', () => {
  void it('accepts every sample and the quickstart, skipping Secrets with a note', () => {
    const samples = readdirSync(join(root, 'deploy/samples')).map((f) => `deploy/samples/${f}`);
    const { code, stdout } = run('validate', ...samples, 'examples/quickstart.yaml');
    assert.equal(code, 0, stdout);
    assert.match(stdout, /deploy\/samples\/kafka-to-postgres\.yaml: DataFlow\/kafka-to-postgres: OK/);
    assert.match(stdout, /kafka-to-postgres-secrets\.yaml: Secret\/kafka-credentials: skipped \(not a DataFlow\)/);
    assert.match(stdout, /legacy-nested-shape\.yaml: DataFlow\/legacy-nested-shape: OK \(legacy nested shape at spec\.source/);
    assert.match(stdout, /examples\/quickstart\.yaml: DataFlow\/quickstart: OK/);
  });

  void it('prints every issue with its field path and exits 1', () => {
    const bad = file(
      'bad.yaml',
      validFlow.replace('type: stdout', 'type: postgresql\n    config:\n      table: t\n      batchSize: 0'),
    );
    const { code, stdout } = run('validate', bad);
    assert.equal(code, 1);
    assert.match(stdout, /bad\.yaml: DataFlow\/demo: 2 issues/);
    assert.match(stdout, /^ {2}spec\.sink\.config\.batchSize: must be >= 1$/m);
    assert.match(stdout, /^ {2}spec\.sink\.config\.connectionString: set either connectionString or connectionStringSecretRef$/m);
  });

  void it('reads JSON, bare specs and multi-document files', () => {
    const json = file('flow.json', JSON.stringify(parse(validFlow)));
    const bare = file('bare.yaml', 'source:\n  type: file\n  config: {path: a}\nsink:\n  type: stdout\n');
    const multi = file('multi.yaml', `${validFlow}---\n${validFlow.replace('name: demo', 'name: second').replace('path: in.ndjson', 'path: ""')}`);
    const { code, stdout } = run('validate', json, bare, multi);
    assert.equal(code, 1);
    assert.match(stdout, /flow\.json: DataFlow\/demo: OK/);
    assert.match(stdout, /bare\.yaml: spec: OK/);
    assert.match(stdout, /multi\.yaml: DataFlow\/demo: OK/);
    assert.match(stdout, /multi\.yaml: DataFlow\/second: 1 issue\n {2}spec\.source\.config\.path: must not be empty/);
  });

  void it('exits 2 for a missing file or broken YAML, and still checks the other files', () => {
    const broken = file('broken.yaml', 'spec: [unclosed\n');
    const ok = file('ok.yaml', validFlow);
    const { code, stdout, stderr } = run('validate', join(tmp, 'missing.yaml'), broken, ok);
    assert.equal(code, 2);
    assert.match(stderr, /missing\.yaml: no such file/);
    assert.match(stderr, /broken\.yaml: not valid YAML or JSON/);
    assert.match(stdout, /ok\.yaml: DataFlow\/demo: OK/);
  });

  void it('checks SecretRef namespaces against --namespace', () => {
    const withRef = file(
      'ref.yaml',
      validFlow.replace('path: in.ndjson', 'path: in.ndjson').replace(
        'type: stdout',
        'type: kafka\n    config:\n      brokers: [k:9092]\n      topicSecretRef: {name: s, key: topic, namespace: other}',
      ),
    );
    assert.equal(run('validate', withRef).code, 0);
    const { code, stdout } = run('validate', '-n', 'shop', withRef);
    assert.equal(code, 1);
    assert.match(stdout, /spec\.sink\.config\.topicSecretRef\.namespace: Secrets must live in the flow's namespace "shop"/);
  });

  void it('rejects documents that are neither manifests nor specs', () => {
    const odd = file('odd.yaml', '- a\n- b\n');
    const { code, stdout } = run('validate', odd);
    assert.equal(code, 1);
    assert.match(stdout, /odd\.yaml: document 1: 1 issue\n {2}\(document\): is not an object/);
  });
});

void describe('dataflow schema', () => {
  void it('prints the editor JSON Schema of a DataFlow document', () => {
    const { code, stdout } = run('schema');
    assert.equal(code, 0);
    const schema = JSON.parse(stdout) as { title: string; properties: Record<string, { properties?: Record<string, unknown> }> };
    assert.equal(schema.title, 'DataFlow');
    assert.ok(schema.properties['spec']?.properties?.['source']);
  });

  void it('prints the CRD schema with --crd, as YAML with -o yaml', () => {
    const { code, stdout } = run('schema', '--crd', '-o', 'yaml');
    assert.equal(code, 0);
    const schema = parse(stdout) as { properties: Record<string, unknown> };
    assert.ok(schema.properties['status']);
  });
});

void describe('dataflow normalize', () => {
  void it('rewrites the legacy shape without applying defaults', () => {
    const { code, stdout } = run('normalize', 'deploy/samples/legacy-nested-shape.yaml');
    assert.equal(code, 0);
    const doc = parse(stdout) as { spec: Record<string, Record<string, unknown>> };
    const source: unknown = doc.spec['source'];
    assert.deepEqual(source, { type: 'kafka', config: { brokers: ['kafka:9092'], topic: 'events', consumerGroup: 'dataflow-group' } });
    assert.equal(doc.spec['replicas'], undefined);
  });

  void it('applies defaults with --defaults', () => {
    const { code, stdout } = run('normalize', '--defaults', 'deploy/samples/kafka-to-postgres-with-errors.yaml');
    assert.equal(code, 0);
    const doc = parse(stdout) as { spec: { replicas: number; source: { config: Record<string, unknown> } } };
    assert.equal(doc.spec.replicas, 1);
    assert.equal(doc.spec.source.config['consumerGroup'], 'default.kafka-to-postgres-with-errors');
  });

  void it('keeps other documents of the file', () => {
    const { code, stdout } = run('normalize', 'deploy/samples/kafka-to-postgres-secrets.yaml');
    assert.equal(code, 0);
    const kinds = parseAllDocuments(stdout).map((d) => (d.toJS() as { kind: string }).kind);
    assert.deepEqual(kinds, ['Secret', 'Secret', 'DataFlow']);
  });

  void it('exits 1 on a conflict between the two shapes', () => {
    const conflict = file('conflict.yaml', validFlow.replace('path: in.ndjson', 'path: in.ndjson\n    file:\n      path: other.ndjson'));
    const { code, stdout, stderr } = run('normalize', conflict);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /spec\.source\.file: both config and the legacy nested "file" are set and differ/);
  });
});

void describe('dataflow', () => {
  void it('exits 2 with usage help for a missing or unknown command', () => {
    assert.equal(run().code, 2);
    const unknown = run('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown argument|Unknown command/i);
  });
});
