# Transactions: all or nothing, on one device and across several (RFC 3535 §3.5, §5.9, §5.24).
Feature: Configuration changes are transactions

  @req:R3535-3.5 @req:R3535-5.24 @should @cap:confirmed-commit @rfc6241-8.4.1
  Scenario: An unconfirmed commit is rolled back when its timeout expires
    Given a management session "A"
    And a copy of the running configuration
    When "A" sets the sandbox text to a fresh value in the candidate
    And "A" commits, asking for confirmation within 2 seconds
    Then the running configuration shows the sandbox text
    When 4 seconds pass
    Then the running configuration does not show the sandbox text
    And the running configuration equals the copy

  @req:R3535-3.5 @req:R3535-5.24 @should @cap:confirmed-commit @rfc6241-8.4.1
  Scenario: An unconfirmed commit is rolled back when its session is lost
    Given a management session "A"
    And a management session "B"
    And a copy of the running configuration
    When "A" sets the sandbox text to a fresh value in the candidate
    And "A" commits, asking for confirmation within 60 seconds
    Then the running configuration shows the sandbox text
    When "A" is disconnected
    Then within 5 seconds "B" sees a running configuration without the sandbox text
    And the running configuration equals the copy

  @req:R3535-3.5 @should @cap:confirmed-commit @rfc6241-8.4.5
  Scenario: A persistent confirmed commit is confirmed from another session only with its token
    Given a management session "A"
    And a copy of the running configuration
    When "A" sets the sandbox text to a fresh value in the candidate
    And "A" commits, asking for confirmation within 60 seconds under a persist token
    And "A" is disconnected
    And a new management session "B" confirms the commit with a wrong persist token
    Then the reply is an error with tag "invalid-value"
    When "B" confirms the commit with the persist token
    Then the reply is ok
    And the running configuration shows the sandbox text
    And nothing but the sandbox changed in the configuration it edits

  @req:R3535-3.5 @should @rfc6241-7.5 @cap:netconf
  Scenario: A lock held by one session is refused to another, which is told who holds it
    Given a management session "A"
    And a management session "B"
    When "A" takes a lock on the configuration it edits
    And "B" locks the configuration it edits
    Then the reply is an error with tag "lock-denied"
    And the error names the session of "A" as the holder

  @req:R3535-5.9 @should @cap:rollback-on-error @rfc6241-8.5
  Scenario: An edit that fails part-way leaves nothing behind
    Given a management session "A"
    And the sandbox text holds a fresh value
    And a copy of the running configuration
    When "A" sends one edit that adds a sandbox list entry and creates the existing sandbox text, rolling back on error
    Then the reply is an error with tag "data-exists"
    And the edit target does not show the new sandbox list entry
    And nothing but the sandbox changed in the configuration it edits
    When "A" adds that sandbox list entry on its own
    Then the edit target shows the new sandbox list entry

  @multi @req:R3535-3.5 @req:R3535-5.24 @should @cap:candidate @cap:confirmed-commit @cap:validate
  Scenario: A change across devices is committed everywhere
    Given a management session on every device
    And a copy of every device's running configuration
    When every device's candidate is locked
    And the sandbox text is set to one fresh value in every device's candidate
    And every device validates its candidate
    And every device commits, asking for confirmation within 60 seconds
    And every device confirms its commit
    And every device's candidate is unlocked
    Then every device's running configuration shows the sandbox text
    And nothing but the sandbox changed on any device

  @multi @req:R3535-3.5 @req:R3535-5.24 @should @cap:candidate
  Scenario: A change across devices is abandoned everywhere when one device refuses it
    Given a management session on every device
    And a copy of every device's running configuration
    When every device's candidate is locked
    And the sandbox text is set to one fresh value in every device's candidate
    And the last device is sent a change it must refuse
    And every device discards its changes
    Then every device's candidate equals its running configuration
    When every device's candidate is unlocked
    Then every device's running configuration equals its copy
