// Where map implementations come from: maps/ builds them; a Kernel may be given another factory (tests, fakes).
import type { BpfMap, MapCreateAttr, MapEnv } from './maps/types.js';
import * as maps from './maps/index.js';

export type MapFactory = (attr: MapCreateAttr, env: MapEnv) => BpfMap;

export const defaultMapFactory: MapFactory = (attr, env) => maps.createMap(attr, env);
