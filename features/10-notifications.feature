# Seeing what changed, and who changed it (RFC 3535 §3.8).
@req:R3535-3.8 @should @cap:notification @cap:netconf-notifications @rfc6470-2.3
Feature: Configuration changes are announced

  Scenario: Every configuration change is announced with who made it
    Given a management session "A"
    And a management session "B" subscribed to configuration change events
    When "A" sets the sandbox text to a fresh value
    Then within 10 seconds "B" receives a configuration change made by the account of "A" in session "A"

  # A manager that was away catches up: the stream replays what happened since a time it
  # names, then says the replay is over (RFC 5277 §2.1.1, §3.2.5). The time is the device's
  # own, from the live announcement of the change.
  @req:R3535-5.27 @cap:replay @cap:config-edit @rfc5277-2.1.1
  Scenario: A subscription from an earlier time replays the changes made since, then says the replay is complete
    Given a management session "A"
    And a management session "W" subscribed to configuration change events
    When "A" sets the sandbox text to a fresh value
    Then within 10 seconds "W" receives the change made in session "A", and its time is noted
    When a management session "B" subscribes to the NETCONF event stream from that time
    Then within 30 seconds "B" receives the change made in session "A" replayed, then the end of the replay
