/**
 * resolveRequest (src/requests/resolve.ts): asked options + server settings + deployment caps + what
 * the style can do → the effective options and notes. One decision for every entry point: a value
 * outside a limit is capped to it, with a note that says whose limit it is.
 */
import { describe, expect, it } from 'vitest';
import { capabilitiesOf, capToTable, resolveRequest, ResolveError, styleCapabilities, type DeploymentCaps, type Note } from '../../src/requests/resolve.ts';

const caps: DeploymentCaps = { defaultSize: 512, maxSize: 1024, defaultQuality: 'balanced', maxIterations: 1000 };
const painting = styleCapabilities([{ painting: true }]);
const scream = styleCapabilities([{ painting: true, fastNetwork: 'scream' }]);
const networkOnly = styleCapabilities([{ painting: false, fastNetwork: 'rain-princess' }]);
const mix = styleCapabilities([{ painting: true, fastNetwork: 'wave' }, { painting: true }]);
const texts = (notes: Note[]) => notes.map((n) => n.text);

describe('resolveRequest', () => {
  it('fills every knob: the asked value, else the server default, else the deployment default (else the preset default strength)', () => {
    expect(resolveRequest({}, { caps, style: painting })).toEqual({ options: { size: 512, quality: 'balanced', strength: 0.75, preserveColors: false, seed: 0, brush: 'normal' }, notes: [], accepted: {} });
    expect(resolveRequest({}, { caps, server: { defaultSize: 384, defaultQuality: 'draft' }, style: painting }).options).toMatchObject({ size: 384, quality: 'draft' });
    expect(resolveRequest({ size: 256, quality: 'best' }, { caps, server: { defaultSize: 384, defaultQuality: 'draft' }, style: painting }).options).toMatchObject({ size: 256, quality: 'best' });
    expect(resolveRequest({}, { caps, style: styleCapabilities([{ painting: true, defaults: { strength: 0.6 } }]) }).options.strength).toBe(0.6);
    expect(resolveRequest({ strength: 0.2, seed: 7, brush: 'bold', preserveColors: true, iterations: 40 }, { caps, style: painting }).options).toMatchObject({ strength: 0.2, seed: 7, brush: 'bold', preserveColors: true, iterations: 40 });
  });

  it("caps a size over the limit with a note naming whose limit it is (the server's when lower)", () => {
    const easel = resolveRequest({ size: 2048 }, { caps, style: painting });
    expect(easel.options.size).toBe(1024);
    expect(texts(easel.notes)).toEqual(["size capped at 1024 — Easel's limit."]);
    const server = resolveRequest({ size: 2048 }, { caps, server: { maxSize: 768 }, style: painting });
    expect(server.options.size).toBe(768);
    expect(texts(server.notes)).toEqual(["size capped at 768 — this server's limit."]);
    // a server's largest above Easel's changes nothing
    expect(resolveRequest({ size: 2048 }, { caps, server: { maxSize: 4096 }, style: painting }).options.size).toBe(1024);
    // a default above the server's largest is capped without a word (the user asked for nothing)
    expect(resolveRequest({}, { caps, server: { maxSize: 256 }, style: painting })).toMatchObject({ options: { size: 256 }, notes: [] });
  });

  it('caps every other number to its range the same way, and rounds what must be whole', () => {
    const r = resolveRequest({ strength: 1.5, iterations: 4000, seed: -3, size: 10 }, { caps, style: painting });
    expect(r.options).toMatchObject({ strength: 1, iterations: 1000, seed: 0, size: 32 });
    expect(texts(r.notes)).toEqual(['size raised to 32 — the least there is.', "iterations capped at 1000 — Easel's limit.", 'strength capped at 1 — the most there is.', 'seed raised to 0 — the least there is.']);
    expect(texts(resolveRequest({ size: 300.4 }, { caps, style: painting }).notes)).toEqual(['size rounded to 300.']);
    const notes: Note[] = [];
    expect(capToTable('blend', 1.2, notes)).toBe(0.95);
    expect(texts(notes)).toEqual(['mix capped at 0.95 — the most there is.']);
  });

  it('keeps what was asked, as accepted: changed values replaced, defaults left unset (a follow-up is not told again)', () => {
    const r = resolveRequest({ size: 2048, strength: 0.3, quality: 'fast' }, { caps, style: mix });
    expect(r.accepted).toEqual({ size: 1024, strength: 0.3, quality: 'draft' });
    expect(resolveRequest(r.accepted, { caps, style: mix })).toMatchObject({ options: r.options, notes: [] });
  });

  it('turns a tier the style cannot do into the nearest one it can, with a note only when the user named it', () => {
    const mixed = resolveRequest({ quality: 'fast' }, { caps, style: mix });
    expect(mixed.options.quality).toBe('draft');
    expect(texts(mixed.notes)).toEqual(["A mix of paintings has no fast network, so it's painted at quality draft."]);
    expect(resolveRequest({ quality: 'fast' }, { caps, style: painting })).toMatchObject({ options: { quality: 'draft' }, notes: [{ option: 'quality' }] });
    expect(resolveRequest({ quality: 'fast' }, { caps, style: scream })).toMatchObject({ options: { quality: 'fast' }, notes: [] });
    expect(resolveRequest({ quality: 'best' }, { caps, style: networkOnly })).toMatchObject({ options: { quality: 'fast' }, notes: [{ option: 'quality' }] });
    // a default tier is not the user's choice: it adapts without a note
    expect(resolveRequest({}, { caps, style: networkOnly })).toMatchObject({ options: { quality: 'fast' }, notes: [] });
    expect(resolveRequest({}, { caps: { ...caps, defaultQuality: 'fast' }, style: mix })).toMatchObject({ options: { quality: 'draft' }, notes: [] });
    expect(() => resolveRequest({}, { caps, style: styleCapabilities([{ painting: false }]) })).toThrow(ResolveError);
  });

  it("knows a style's capabilities from the catalog: a mix has no fast network, own images none either", () => {
    const presets = new Map([
      ['starry-night', { styleImage: 'starry.jpg' }],
      ['the-scream', { styleImage: 'scream.jpg', fastNetwork: 'scream' as const, defaults: { init: 'fast' as const } }],
    ]);
    const catalog = { get: (id: string) => presets.get(id) as never };
    expect(capabilitiesOf({ kind: 'preset', presetId: 'the-scream' }, catalog)).toMatchObject({ paintings: 1, fastNetwork: 'scream', mixed: false });
    expect(capabilitiesOf({ kind: 'preset', presetId: 'the-scream', blend: { presetId: 'starry-night', mix: 0.5 } }, catalog)).toMatchObject({ paintings: 2, fastNetwork: undefined, mixed: true });
    expect(capabilitiesOf({ kind: 'images', images: [{ blob: { key: 'k'.repeat(16), width: 1, height: 1 }, weight: 1 }] }, catalog)).toMatchObject({ paintings: 1, fastNetwork: undefined });
    expect(capabilitiesOf({ kind: 'preset', presetId: 'nope' }, catalog)).toBeUndefined();
  });
});
