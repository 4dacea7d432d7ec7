import { describe, expect, it } from 'vitest';
import { HELPERS, HELPER_NAMES, MAX_HELPER_ID, helperId, helperInfo, helperName } from './index.js';

describe('helper table (uapi ___BPF_FUNC_MAPPER)', () => {
  it('has ids 1..211 with unique names', () => {
    expect(MAX_HELPER_ID).toBe(211);
    expect(HELPERS).toHaveLength(211);
    expect(HELPERS.map((h) => h.id)).toEqual(Array.from({ length: 211 }, (_, i) => i + 1));
    expect(new Set(HELPER_NAMES).size).toBe(HELPER_NAMES.length);
  });
  it.each([
    // Hand-checked against include/uapi/linux/bpf.h.
    [1, 'map_lookup_elem'],
    [2, 'map_update_elem'],
    [3, 'map_delete_elem'],
    [5, 'ktime_get_ns'],
    [6, 'trace_printk'],
    [7, 'get_prandom_u32'],
    [12, 'tail_call'],
    [14, 'get_current_pid_tgid'],
    [25, 'perf_event_output'],
    [51, 'redirect_map'],
    [113, 'probe_read_kernel'],
    [130, 'ringbuf_output'],
    [131, 'ringbuf_reserve'],
    [164, 'for_each_map_elem'],
    [165, 'snprintf'],
    [181, 'loop'],
    [209, 'user_ringbuf_drain'],
    [210, 'cgrp_storage_get'],
    [211, 'cgrp_storage_delete'],
  ])('%i is %s', (id, name) => {
    expect(helperName(id)).toBe(name);
    expect(helperId(name)).toBe(id);
    expect(helperId(`bpf_${name}`)).toBe(id);
    expect(helperId(`BPF_FUNC_${name}`)).toBe(id);
  });
  it('unknown ids and names give undefined', () => {
    for (const id of [0, -1, 212, 1.5, Number.NaN]) expect(helperName(id)).toBeUndefined();
    for (const name of ['unspec', 'bpf_unspec', 'map_lookup', 'bpf_', '', 'MAP_LOOKUP_ELEM']) expect(helperId(name)).toBeUndefined();
  });
});

describe('gpl_only', () => {
  it.each([
    // gpl_only = true in the kernel sources (kernel/trace/bpf_trace.c, kernel/bpf/helpers.c)
    ['trace_printk', true],
    ['probe_read', true],
    ['probe_read_kernel', true],
    ['probe_read_user_str', true],
    ['get_current_task', true],
    ['perf_event_output', true],
    ['snprintf', true],
    ['probe_write_user', true],
    ['seq_printf', true],
    // gpl_only = false
    ['map_lookup_elem', false],
    ['map_update_elem', false],
    ['ktime_get_ns', false],
    ['get_prandom_u32', false],
    ['tail_call', false],
    ['redirect', false],
    ['ringbuf_output', false],
    ['get_current_pid_tgid', false],
    ['loop', false],
  ])('%s: %s', (name, gpl) => {
    expect(helperInfo(helperId(name)!)?.gplOnly).toBe(gpl);
  });
  it('get_stackid is gpl_only except in perf_event programs', () => {
    expect(helperInfo(27)).toEqual({ id: 27, name: 'get_stackid', gplOnly: true, gplOnlyExceptIn: ['perf_event'] });
  });
  it('every helper has a verdict, and about one in five is GPL-only', () => {
    expect(HELPERS.every((h) => typeof h.gplOnly === 'boolean')).toBe(true);
    expect(HELPERS.filter((h) => h.gplOnly)).toHaveLength(44);
    expect(helperInfo(0)).toBeUndefined();
    expect(helperInfo(212)).toBeUndefined();
  });
});
