# An efficient, reliable protocol (RFC 3535 §5.31).
@req:R3535-5.31 @should
Feature: The protocol is efficient and reliable

  @rfc6241-4.5 @cap:netconf
  Scenario: Pipelined requests are all answered
    Given a management session "A"
    When "A" sends 16 configuration reads without waiting for replies
    Then every read is answered with data

  @req:OPS-REQ-SCALE
  Scenario: Several sessions at once are all served
    When 6 management sessions are opened at the same time
    Then every session answers a configuration read
