import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './offensive-tool-user-agent.cases';
import rule from './offensive-tool-user-agent';

describeRuleCases(rule as RuleDefinition, cases);
