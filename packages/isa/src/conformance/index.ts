export { parseConformanceData, ConformanceDataError, type ConformanceData } from './data-file.js';
export { loadConformanceProgram } from './program.js';
