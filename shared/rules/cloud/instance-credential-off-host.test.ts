import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './instance-credential-off-host.cases';
import rule from './instance-credential-off-host';

describeRuleCases(rule as RuleDefinition, cases);
