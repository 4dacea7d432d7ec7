// A minimal ELF64 reader for eBPF objects: enough to take one function's code out of a relocatable EM_BPF object
// (the form the conformance runner's `--elf` mode sends: code in `.text`, symbol `main`). Section headers and the
// symbol table only; relocations against the code are refused with a clear message (none are needed for the suite).

/** Malformed or unsupported ELF input; the message says where and why. */
export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

const EM_BPF = 247;
const ET_REL = 1;
const SHT_SYMTAB = 2;
const SHT_REL = 9;
const SHT_RELA = 4;
const SHT_NOBITS = 8;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const STT_FUNC = 2;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  type: number;
  section: number;
}

export interface ElfObject {
  sections: ElfSection[];
  symbols: ElfSymbol[];
  bytes: Uint8Array;
}

function cString(bytes: Uint8Array, start: number, what: string): string {
  if (start >= bytes.length) throw new ElfError(`${what}: string offset ${start} is past the end of its table`);
  let end = start;
  while (end < bytes.length && bytes[end] !== 0) end++;
  if (end === bytes.length) throw new ElfError(`${what}: unterminated string at offset ${start}`);
  return new TextDecoder().decode(bytes.subarray(start, end));
}

/** Parses the section headers and the symbol table of a little-endian ELF64 EM_BPF relocatable object. */
export function readElf(bytes: Uint8Array): ElfObject {
  if (bytes.length < 64) throw new ElfError(`too short for an ELF64 header: ${bytes.length} bytes (need 64)`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not an ELF file: bad magic (expected 7f 45 4c 46)');
  }
  if (bytes[4] !== 2) throw new ElfError(`EI_CLASS ${bytes[4]}: only ELF64 (2) is supported`);
  if (bytes[5] !== 1) throw new ElfError(`EI_DATA ${bytes[5]}: only little-endian (1) is supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== EM_BPF) throw new ElfError(`e_machine ${machine}: not an eBPF object (EM_BPF = ${EM_BPF})`);
  if (type !== ET_REL) throw new ElfError(`e_type ${type}: only relocatable objects (ET_REL = 1) are supported`);
  const shoff = Number(view.getBigUint64(40, true));
  const shentsize = view.getUint16(58, true);
  const shnum = view.getUint16(60, true);
  const shstrndx = view.getUint16(62, true);
  if (shnum === 0) throw new ElfError('no section headers (e_shnum 0)');
  if (shentsize !== 64) throw new ElfError(`e_shentsize ${shentsize}: expected 64`);
  if (shoff + shnum * 64 > bytes.length) {
    throw new ElfError(`section headers (offset ${shoff}, ${shnum} x 64 bytes) run past the end of the file (${bytes.length} bytes)`);
  }
  if (shstrndx >= shnum) throw new ElfError(`e_shstrndx ${shstrndx} is not a section (have ${shnum})`);
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * 64;
    const s = {
      nameOffset: view.getUint32(h, true),
      type: view.getUint32(h + 4, true),
      offset: Number(view.getBigUint64(h + 24, true)),
      size: Number(view.getBigUint64(h + 32, true)),
      link: view.getUint32(h + 40, true),
      info: view.getUint32(h + 44, true),
      entsize: Number(view.getBigUint64(h + 56, true)),
    };
    if (s.type !== SHT_NOBITS && i !== 0 && s.offset + s.size > bytes.length) {
      throw new ElfError(`section ${i}: contents (offset ${s.offset}, ${s.size} bytes) run past the end of the file`);
    }
    raw.push(s);
  }
  const shstr = raw[shstrndx];
  const shstrtab = bytes.subarray(shstr.offset, shstr.offset + shstr.size);
  const sections: ElfSection[] = raw.map((s, index) => ({
    index,
    name: index === 0 ? '' : cString(shstrtab, s.nameOffset, `section ${index} name`),
    type: s.type,
    offset: s.offset,
    size: s.size,
    link: s.link,
    info: s.info,
    entsize: s.entsize,
  }));
  const symbols: ElfSymbol[] = [];
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab) {
    if (symtab.entsize !== 24) throw new ElfError(`${symtab.name}: sh_entsize ${symtab.entsize}, expected 24`);
    if (symtab.link >= sections.length) throw new ElfError(`${symtab.name}: string table ${symtab.link} does not exist`);
    const strsec = sections[symtab.link];
    const strtab = bytes.subarray(strsec.offset, strsec.offset + strsec.size);
    for (let at = symtab.offset; at + 24 <= symtab.offset + symtab.size; at += 24) {
      const nameOffset = view.getUint32(at, true);
      symbols.push({
        name: nameOffset === 0 ? '' : cString(strtab, nameOffset, `symbol ${(at - symtab.offset) / 24} name`),
        type: bytes[at + 4] & 0x0f,
        section: view.getUint16(at + 6, true),
        value: Number(view.getBigUint64(at + 8, true)),
        size: Number(view.getBigUint64(at + 16, true)),
      });
    }
  }
  return { sections, symbols, bytes };
}

/**
 * The code of function `symbol` (default `main`): from the symbol's value to the end of its section, so the
 * subprograms that follow it (bpf-to-bpf call targets) come along; the program then starts at `symbol`. The section
 * is the symbol's own (`.text` for the conformance runner's objects; `xdp`, `socket`… for clang's `SEC()`), or
 * `section` when given. Throws ElfError naming what is missing.
 */
export function elfFunctionCode(bytes: Uint8Array, symbol = 'main', section?: string): Uint8Array {
  const elf = readElf(bytes);
  const sym = elf.symbols.find((s) => s.name === symbol && s.section !== SHN_UNDEF);
  if (!sym) throw new ElfError(`no symbol '${symbol}'`);
  if (sym.section >= SHN_LORESERVE || sym.section >= elf.sections.length) {
    throw new ElfError(`symbol '${symbol}' is not defined in a section (st_shndx ${sym.section})`);
  }
  const text = elf.sections[sym.section];
  if (section !== undefined && text.name !== section) {
    throw new ElfError(`symbol '${symbol}' is in '${text.name}', not in '${section}'`);
  }
  if (text.type === SHT_NOBITS) throw new ElfError(`section '${text.name}' has no contents`);
  if (sym.type !== STT_FUNC && sym.type !== 0) throw new ElfError(`symbol '${symbol}' is not a function (type ${sym.type})`);
  const relocs = elf.sections.filter((s) => (s.type === SHT_REL || s.type === SHT_RELA) && s.info === text.index && s.size > 0);
  if (relocs.length > 0) {
    throw new ElfError(`relocations against '${text.name}' are not supported (${relocs.map((r) => r.name).join(', ')})`);
  }
  if (sym.value >= text.size || sym.value + sym.size > text.size) {
    throw new ElfError(`symbol '${symbol}' (offset ${sym.value}, ${sym.size} bytes) lies outside '${text.name}' (${text.size} bytes)`);
  }
  if (sym.value % 8 !== 0) throw new ElfError(`symbol '${symbol}' at offset ${sym.value} is not on an instruction boundary`);
  return bytes.slice(text.offset + sym.value, text.offset + text.size);
}
