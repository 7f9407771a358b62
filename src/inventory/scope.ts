// Discovery's scope checks live in src/net (the config schema validates subnets with them too).
export * from '../net/index.js';
