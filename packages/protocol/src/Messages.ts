/**
 * The messages that cross Redis: commands (control → worker) that each name their success schema, responses,
 * updates (worker → control), their envelopes, and the helpers that build, encode and decode them.
 */
export * from "./messages/Commands.ts"
export * from "./messages/Envelopes.ts"
export * from "./messages/Updates.ts"
export * from "./messages/Values.ts"
