export * from './compile';
export * from './detector';
export * from './duration';
export * from './errors';
export * from './fields';
export * from './findings';
export * from './rule';
export * from './state-shapes';
