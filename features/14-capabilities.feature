# What a device announces works (RFC 3535 §5, observation 27): capabilities the other
# features do not already exercise, each held to the RFC that defines it.
@req:R3535-5.27 @should
Feature: Every announced capability works as its RFC says

  # The sandbox text is written first, so that its top-level container exists whatever ran
  # before: its defaults are judged on every device alike.
  @cap:with-defaults @cap:config-edit @rfc6243-3
  Scenario: Every announced with-defaults mode shows the defaults as the mode says
    Given a management session "A"
    And the sandbox text holds a fresh value
    When "A" reads the running configuration in every with-defaults mode the device announces
    Then every reply shows the schema's defaults as its mode says

  @cap:with-defaults @cap:config-edit @rfc6243-4.5.2
  Scenario: get shows the defaults of running as each with-defaults mode says
    Given a management session "A"
    And the sandbox text holds a fresh value
    When "A" reads configuration and state with get in every with-defaults mode the device announces
    Then every reply shows the schema's defaults as its mode says

  @cap:restconf-with-defaults @cap:config-edit @rfc8040-4.8.9 @rfc6243-3 @rfc8040-B.3.9
  Scenario: Every with-defaults mode of a RESTCONF read shows the defaults as the mode says
    Given a management session "A"
    And the sandbox text holds a fresh value
    When "A" reads the datastore's configuration over RESTCONF in every with-defaults mode
    Then every reply shows the schema's defaults as its mode says

  @cap:interleave @rfc5277-6
  Scenario: A session with an active subscription still answers requests
    Given a management session "A" subscribed to the NETCONF event stream
    Then "A" answers a configuration read while its subscription is active

  @cap:notification @cap:netconf-notifications @rfc6470-2
  Scenario: Sessions are announced as they start and end, with their account
    Given a management session "B" subscribed to the NETCONF event stream
    When a management session "C" opens and closes
    Then within 10 seconds "B" receives the start and the end of session "C" with its account

  @cap:yang-library @rfc8525-3 @cap:netconf
  Scenario: The YANG library holds still while nothing changes
    Given a management session "A"
    When "A" reads the YANG library
    And "A" reads the YANG library again
    And a new management session "B" reads the YANG library
    Then every read of the YANG library names the same modules under the same identifier

  @cap:monitoring @rfc6022-2.1.2 @cap:netconf
  Scenario: The monitoring data shows who holds a lock
    Given a management session "A"
    And a management session "B"
    When "A" takes a lock on the configuration it edits
    And "B" reads the state of the datastores and sessions
    Then the reply names session "A" as the holder of the lock on the configuration it edits
    And the reply lists session "A" among the management sessions

  @cap:confirmed-commit @cap:notification @cap:netconf-notifications @rfc6470-2
  Scenario: A confirmed commit is announced as it starts and as it completes
    Given a management session "B" subscribed to the NETCONF event stream
    And a management session "A"
    When "A" sets the sandbox text to a fresh value in the candidate
    And "A" commits, asking for confirmation within 60 seconds
    And "A" confirms its commit
    Then within 10 seconds "B" receives the start and the completion of the confirmed commit of session "A"

  # RFC 5717 locks part of running. Where edits go through the candidate, the commit is what
  # the lock refuses; the refused change is discarded.
  @cap:partial-lock @cap:config-edit @rfc5717-2.4
  Scenario: A partial lock keeps other sessions off the locked node, and off that node only
    Given a management session "A"
    And a management session "B"
    And the sandbox text holds a fresh value
    And a copy of the running configuration
    When "A" takes a partial lock on the sandbox text
    Then the partial lock is granted on the sandbox text and nothing else
    When "B" tries to set the sandbox text to a fresh value with the text "locked"
    Then the reply is an error with a type and one of the tags "in-use, lock-denied"
    And the running configuration equals the copy
    When "B" adds "free" to the sandbox list
    Then the running configuration lists the sandbox entries as "free"
    When "B" takes a partial lock on the sandbox text
    Then the reply is an error with tag "lock-denied"
    And the error names the session of "A" as the holder
    When "A" releases its partial lock
    And "B" sets the sandbox text to a fresh value with the text "released"
    Then the running configuration shows the sandbox text exactly
    And nothing but the sandbox changed in the configuration it edits

  # Devices with a candidate are otherwise edited through it; this writes running itself.
  @cap:writable-running @rfc6241-8.2
  Scenario: An edit of the running configuration takes effect at once
    Given a management session "A"
    And a copy of the running configuration
    When "A" sets the sandbox text to a fresh value in the running configuration
    Then the running configuration shows the sandbox text exactly
    And nothing but the sandbox changed in the running configuration
