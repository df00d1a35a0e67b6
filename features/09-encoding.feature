# International text in configuration (RFC 3535 §5.12).
@req:R3535-5.12 @must @cap:config-edit
Feature: Human-readable text may use any language

  Scenario: Non-ASCII text comes back exactly as it was written
    Given a management session "A"
    And a copy of the running configuration
    When "A" sets the sandbox text to a fresh value with the text "Zürich – 東京 – ☃"
    Then the running configuration shows the sandbox text exactly
    And nothing but the sandbox changed in the configuration it edits
