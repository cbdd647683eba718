import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './mailbox-protocol-enabled.cases';
import rule from './mailbox-protocol-enabled';

describeRuleCases(rule as RuleDefinition, cases);
