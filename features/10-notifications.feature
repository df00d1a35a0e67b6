# Seeing what changed, and who changed it (RFC 3535 §3.8).
@req:R3535-3.8 @should @cap:notification @cap:netconf-notifications @rfc6470-2.3
Feature: Configuration changes are announced

  Scenario: Every configuration change is announced with who made it
    Given a management session "A"
    And a management session "B" subscribed to configuration change events
    When "A" sets the sandbox text to a fresh value
    Then within 10 seconds "B" receives a configuration change made by the account of "A" in session "A"
