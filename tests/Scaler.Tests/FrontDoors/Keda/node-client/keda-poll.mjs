#!/usr/bin/env node
// An independent KEDA external scaler client: Node's @grpc/grpc-js over protos/externalscaler.proto, loaded
// at run time with @grpc/proto-loader (no generated code shared with the .NET side). It does what KEDA does
// per poll (shared/reference/keda.md 2.5): GetMetricSpec, then GetMetrics with the bare metric name the spec
// returned (KEDA strips its sN- prefix, 2.3), then IsActive; or it holds a StreamIsActive stream open as an
// external-push trigger does (2.10). Results, including gRPC error statuses, are printed as JSON lines on
// stdout and the exit code is 0; only usage and connection problems exit non-zero.
//
//   node keda-poll.mjs --address 127.0.0.1:9090 --scaled-object '{"name":"vllm","namespace":"llm","scalerMetadata":{...}}'
//   echo '{...}' | node keda-poll.mjs --address 127.0.0.1:9090
//   node keda-poll.mjs --address 127.0.0.1:9090 --stream --seconds 30 --max-messages 1 < scaled-object.json
//   node keda-poll.mjs --address 127.0.0.1:9090 --ca ca.crt [--cert tls.crt --key tls.key] < scaled-object.json
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const EXIT_USAGE = 2;
const EXIT_CONNECT = 3;

const USAGE = `usage: node keda-poll.mjs --address HOST:PORT [--scaled-object JSON | < JSON]
  [--deadline-ms 3000] [--connect-timeout-ms 5000] [--metric-name NAME] [--continue-on-error]
  [--stream [--seconds 30] [--max-messages N]] [--proto PATH]
  [--ca FILE] [--cert FILE --key FILE]

A poll (default): GetMetricSpec, GetMetrics with the returned metricName, IsActive; one JSON line.
As KEDA does, a failed call ends the poll (later calls are "skipped"); --continue-on-error makes every call.
--metric-name sends NAME to GetMetrics instead of the name GetMetricSpec returned.
--stream: open StreamIsActive and print each message as a JSON line with a timestamp until --seconds pass,
--max-messages arrive, the server ends the stream, or SIGINT/SIGTERM.
--ca, --cert, --key: TLS as KEDA's enableTLS/caCert/tlsClientCert/tlsClientKey do (PEM files; the server
certificate is verified against --ca for the address's host; --cert/--key are presented for mutual TLS).
Exit code: 0 when it ran (RPC error statuses are part of the output), 2 usage, 3 cannot connect.`;

function fail(code, message) {
    process.stderr.write(`${JSON.stringify({ error: code === EXIT_USAGE ? 'usage' : 'connect', message })}\n`);
    if (code === EXIT_USAGE) {
        process.stderr.write(`${USAGE}\n`);
    }
    process.exit(code);
}

function parseArgs(argv) {
    const options = {
        address: undefined,
        scaledObject: undefined,
        deadlineMs: 3000, // the HPA path's budget for the whole exchange (keda.md 2.7)
        connectTimeoutMs: 5000,
        metricName: undefined,
        continueOnError: false,
        stream: false,
        seconds: 30,
        maxMessages: Infinity,
        proto: fileURLToPath(new URL('../../../../../protos/externalscaler.proto', import.meta.url)),
        ca: undefined,
        cert: undefined,
        key: undefined,
    };
    const value = (i, name) => {
        if (i + 1 >= argv.length) {
            fail(EXIT_USAGE, `${name} needs a value`);
        }
        return argv[i + 1];
    };
    const positive = (text, name) => {
        const n = Number(text);
        if (!Number.isFinite(n) || n <= 0) {
            fail(EXIT_USAGE, `${name}: expected a number > 0, got '${text}'`);
        }
        return n;
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        switch (arg) {
            case '--address': options.address = value(i, arg); i++; break;
            case '--scaled-object': options.scaledObject = value(i, arg); i++; break;
            case '--deadline-ms': options.deadlineMs = positive(value(i, arg), arg); i++; break;
            case '--connect-timeout-ms': options.connectTimeoutMs = positive(value(i, arg), arg); i++; break;
            case '--metric-name': options.metricName = value(i, arg); i++; break;
            case '--continue-on-error': options.continueOnError = true; break;
            case '--stream': options.stream = true; break;
            case '--seconds': options.seconds = positive(value(i, arg), arg); i++; break;
            case '--max-messages': options.maxMessages = positive(value(i, arg), arg); i++; break;
            case '--proto': options.proto = value(i, arg); i++; break;
            case '--ca': options.ca = value(i, arg); i++; break;
            case '--cert': options.cert = value(i, arg); i++; break;
            case '--key': options.key = value(i, arg); i++; break;
            case '-h':
            case '--help':
                process.stdout.write(`${USAGE}\n`);
                process.exit(0);
                break;
            default:
                if (!arg.startsWith('-') && options.address === undefined) {
                    options.address = arg;
                } else {
                    fail(EXIT_USAGE, `unknown argument '${arg}'`);
                }
        }
    }
    if (!options.address) {
        fail(EXIT_USAGE, '--address is required');
    }
    if ((options.cert === undefined) !== (options.key === undefined)) {
        fail(EXIT_USAGE, '--cert and --key go together');
    }
    // Accept a URI as printed by Kestrel (http://127.0.0.1:port/): gRPC targets are host:port.
    options.address = options.address.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    return options;
}

function readScaledObject(text) {
    let parsed;
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        fail(EXIT_USAGE, `scaled object: invalid JSON (${e.message})`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        fail(EXIT_USAGE, 'scaled object: expected a JSON object {name, namespace, scalerMetadata}');
    }
    const metadata = parsed.scalerMetadata ?? {};
    if (typeof metadata !== 'object' || Array.isArray(metadata)
        || Object.values(metadata).some(v => typeof v !== 'string')) {
        fail(EXIT_USAGE, 'scaled object: scalerMetadata must map strings to strings, as a trigger\'s metadata does');
    }
    // ScaledObjectRef field names as in the proto (proto-loader keepCase: true).
    return { name: String(parsed.name ?? ''), namespace: String(parsed.namespace ?? ''), scalerMetadata: metadata };
}

function loadClient(options) {
    let definition;
    try {
        definition = protoLoader.loadSync(options.proto, {
            keepCase: true,
            longs: String, // int64 as a decimal string, as the proto3 JSON mapping writes it
            enums: String,
            defaults: true, // print zero values (a targetSize of 0 must be visible, not absent)
            oneofs: true,
        });
    } catch (e) {
        fail(EXIT_USAGE, `cannot load ${options.proto}: ${e.message}`);
    }
    const ExternalScaler = grpc.loadPackageDefinition(definition).externalscaler.ExternalScaler;
    // KEDA connects with insecure credentials (plaintext HTTP/2, h2c) unless TLS is configured (keda.md 2.1).
    return new ExternalScaler(options.address, credentials(options));
}

function credentials(options) {
    if (options.ca === undefined && options.cert === undefined) {
        return grpc.credentials.createInsecure();
    }
    const read = path => {
        try {
            return readFileSync(path);
        } catch (e) {
            fail(EXIT_USAGE, `cannot read ${path}: ${e.message}`);
        }
    };
    // As KEDA with enableTLS: verify the server (against --ca, else Node's roots) and, for mutual TLS,
    // present the client pair.
    return grpc.credentials.createSsl(
        options.ca === undefined ? null : read(options.ca),
        options.key === undefined ? null : read(options.key),
        options.cert === undefined ? null : read(options.cert));
}

function waitForReady(client, timeoutMs) {
    return new Promise((resolve, reject) => {
        client.waitForReady(Date.now() + timeoutMs, error => (error ? reject(error) : resolve()));
    });
}

const codeNames = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name]));

function statusOf(error) {
    return { code: error.code, codeName: codeNames[error.code] ?? 'UNKNOWN', details: error.details ?? error.message };
}

function unary(client, method, request, deadlineMs) {
    const started = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
    return new Promise(resolve => {
        client[method](request, { deadline: Date.now() + deadlineMs }, (error, response) => {
            resolve(error
                ? { ok: false, ...statusOf(error), ms: ms() }
                : { ok: true, response, ms: ms() });
        });
    });
}

async function poll(client, scaledObject, options) {
    const result = { scaledObject: { name: scaledObject.name, namespace: scaledObject.namespace } };
    const skipped = because => ({ ok: false, skipped: `${because} failed: KEDA makes no further call in this poll` });

    result.getMetricSpec = await unary(client, 'GetMetricSpec', scaledObject, options.deadlineMs);
    // KEDA sends the bare name GetMetricSpec returned (it strips its own sN- prefix).
    const specName = result.getMetricSpec.ok ? result.getMetricSpec.response.metricSpecs[0]?.metricName : undefined;
    const metricName = options.metricName ?? specName ?? '';

    if (result.getMetricSpec.ok || options.continueOnError) {
        result.getMetrics = await unary(client, 'GetMetrics', { scaledObjectRef: scaledObject, metricName }, options.deadlineMs);
    } else {
        result.getMetrics = skipped('GetMetricSpec');
    }

    // Since KEDA 2.10 IsActive follows GetMetrics in the same step, which ends at the first error.
    if (result.getMetrics.ok || options.continueOnError) {
        result.isActive = await unary(client, 'IsActive', scaledObject, options.deadlineMs);
    } else {
        result.isActive = skipped(result.getMetrics.skipped ? 'GetMetricSpec' : 'GetMetrics');
    }

    process.stdout.write(`${JSON.stringify(result)}\n`);
}

function stream(client, scaledObject, options) {
    return new Promise(resolve => {
        const opened = Date.now();
        const line = event => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), elapsedMs: Date.now() - opened, ...event })}\n`);
        let messages = 0;
        let ended = false;
        let timer;
        const call = client.StreamIsActive(scaledObject);
        const end = (reason, status) => {
            if (ended) {
                return;
            }
            ended = true;
            clearTimeout(timer);
            line(status ? { event: 'end', reason, status } : { event: 'end', reason });
            call.cancel();
            resolve();
        };
        timer = setTimeout(() => end('seconds'), options.seconds * 1000);
        process.once('SIGINT', () => end('signal'));
        process.once('SIGTERM', () => end('signal'));
        call.on('data', message => {
            messages++;
            line({ event: 'message', result: message.result });
            if (messages >= options.maxMessages) {
                end('max-messages');
            }
        });
        call.on('error', error => end('status', statusOf(error)));
        call.on('end', () => end('server-ended'));
        line({ event: 'started' });
    });
}

const options = parseArgs(process.argv.slice(2));
const scaledObject = readScaledObject(options.scaledObject ?? readFileSync(0, 'utf8'));
const client = loadClient(options);
try {
    await waitForReady(client, options.connectTimeoutMs);
} catch (e) {
    client.close();
    fail(EXIT_CONNECT, `cannot connect to ${options.address} within ${options.connectTimeoutMs} ms: ${e.message}`);
}

if (options.stream) {
    await stream(client, scaledObject, options);
} else {
    await poll(client, scaledObject, options);
}
client.close();
