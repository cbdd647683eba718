import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './serverless-public-access.cases';
import rule from './serverless-public-access';

describeRuleCases(rule as RuleDefinition, cases);
