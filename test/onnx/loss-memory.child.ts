/**
 * Run by loss-memory.test.ts in a child process (with glibc's mmap threshold fixed low, so that a
 * freed tensor leaves the process at once): the memory one loss-and-gradient evaluation takes at
 * HEIGHT × WIDTH beyond what the process holds before it, measured on a second run (the first
 * settles the allocator), printed as JSON in MB.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadOrt, sessionOptions } from '../../src/engine/onnx/runtime.ts';
import { buildLossModel } from '../../src/engine/onnx/vgg-graph.ts';
import { loadVggWeights } from '../../src/engine/vgg19/weights.ts';
import { randomLossFeeds, WEIGHTS } from './helpers.ts';

const [height, width] = [Number(process.argv[2]), Number(process.argv[3])];
const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))![1]);
const ort = await loadOrt();
const styleLayers = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];
const { model } = buildLossModel({ height, width, pooling: 'max', contentLayer: 'relu4_2', styleLayers }, await loadVggWeights(`${WEIGHTS}/vgg19`));
const session = await ort.InferenceSession.create(model, sessionOptions('cpu'));
const feeds = randomLossFeeds(ort, height * width, height, width, styleLayers, { styleTarget: 100, styleCoef: 1e-9 });
await session.run(feeds);
const before = kb('VmRSS');
writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
await session.run(feeds);
process.stdout.write(JSON.stringify({ transientMB: (kb('VmHWM') - before) / 1024 }));
