// bpfsim's Kernel class for the differential tests, read dynamically while @bpfsim/objects is being built.
import * as objects from '@bpfsim/objects';
import { exportedClass, type SimKernelCtor } from '../../../../testing/kernel-oracle/harness';

export const Kernel = exportedClass<SimKernelCtor>(objects, 'Kernel');
