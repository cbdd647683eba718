import { defineRule } from '../../engine/rule';

/**
 * The other order of password-spray-success: a spray tool reports its hits as it goes, so the
 * accepted password is often among the first attempts, before the address has failed against 5
 * accounts. Here the accepted sign-in comes first and the address then crosses the spray threshold.
 */
export default defineRule({
  id: 'password-spray-hit',
  title: (c) =>
    `${c.group} had a password accepted (${c.chain?.[0]?.evidence.actor ?? 'an account'}) while spraying`,
  description:
    'An address had a password accepted by a scripted, legacy-protocol or risky sign-in, and within the hour went on to fail against 5 or more accounts (password-spray): the spray found a working password along the way. password-spray-success covers the accepted sign-in that comes after the spray crossed its threshold.',
  kind: 'sequence',
  severity: 'high',
  attack: ['T1110.003'],
  sources: ['entra.signin', 'm365.audit', 'google.workspace', 'aws.cloudtrail'],
  by: 'actor.ip',
  principal: 'actor.ip',
  steps: [
    { rules: ['password-verified-sign-in'], label: 'password accepted' },
    { rules: ['password-spray'], label: 'the same address sprays passwords' },
  ],
  window: '1h',
  runbook: [
    'Find the account whose password was accepted (first step of the evidence): revoke its sessions and reset it now.',
    'Block the address; check every account it tried for a later successful sign-in.',
  ],
  falsePositives: [
    'A script owner signing in through a shared egress where colleagues then mistype passwords.',
  ],
});
