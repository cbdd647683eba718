import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './mailbox-delegate.cases';
import rule from './mailbox-delegate';

describeRuleCases(rule as RuleDefinition, cases);
