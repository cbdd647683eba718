import { describeRuleCases } from '../../../test/support/rule-cases';
import type { RuleDefinition } from '../../engine/rule';
import cases from './mailbox-folder-anon.cases';
import rule from './mailbox-folder-anon';

describeRuleCases(rule as RuleDefinition, cases);
