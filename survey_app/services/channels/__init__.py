"""Channels besides email: the short text of SMS, WeCom and DingTalk, its export, and the survey's signed webhook
that hands each invitation and reminder to an outside sender (docs/channels.md)."""
