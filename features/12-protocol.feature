# An efficient, reliable protocol (RFC 3535 §5.31).
@req:R3535-5.31 @should
Feature: The protocol is efficient and reliable

  @rfc6241-4.5
  Scenario: Pipelined requests are all answered
    Given a management session "A"
    When "A" sends 16 configuration reads without waiting for replies
    Then every read is answered with data
