/** The offline HTML incident report (`tripline replay --report FILE`); see docs/report.md. */
export { renderReport } from './html';
export type { ReportInput } from './html';
export { buildModel } from './model';
export type { Connection, FindingFacts, Lane, Link, LinkKind, ReportFinding, ReportModel } from './model';
