# What a device announces works (RFC 3535 §5, observation 27): capabilities the other
# features do not already exercise, each held to the RFC that defines it.
@req:R3535-5.27 @should
Feature: Every announced capability works as its RFC says

  @cap:with-defaults @rfc6243-3
  Scenario: Every announced with-defaults mode shows the defaults as the mode says
    Given a management session "A"
    When "A" reads the running configuration in every with-defaults mode the device announces
    Then every reply shows the schema's defaults as its mode says
