# Reading chosen parts of the data (RFC 3535 §3.3, §5.26).
Feature: A chosen subset of the data can be read

  @req:R3535-3.3 @req:R3535-5.26 @must @cap:monitoring @rfc6241-6.4.5 @cap:netconf
  Scenario: A subtree filter selects one list entry
    Given a management session "A"
    When "A" reads the schema list entry of one implemented module with a subtree filter
    Then the reply holds that entry and no other

  @req:R3535-5.26 @should @cap:monitoring @cap:xpath @rfc6241-8.9
  Scenario: An XPath filter selects what the equivalent subtree filter selects
    Given a management session "A"
    When "A" reads the schema list entry of one implemented module with a subtree filter
    And "A" reads the same entry with an XPath filter
    Then both replies hold the same data as trees
