# Subscribed notifications (RFC 8639): a dynamic subscription to an event stream over NETCONF
# (RFC 8640), here the NETCONF stream with RFC 6470's configuration changes, which the harness
# causes itself. The filter selects the changes of one session; another session's change,
# made first, must not come. The RESTCONF binding (RFC 8650) is not driven yet, so these run
# on NETCONF columns.
@req:MB-02 @should @cap:subscribed-notifications @cap:netconf-notifications @cap:config-edit @cap:netconf @rfc8639
Feature: A subscription to an event stream is sent the events its filter selects

  @rfc8639-2.2 @rfc8640-2.6
  Scenario: A subscription to the NETCONF stream is sent the changes its filter selects, and no other event
    Given a management session "A"
    And a management session "B"
    And a management session "C"
    When "A" subscribes to the NETCONF event stream, filtered to configuration changes made in session "B"
    And "C" sets the sandbox text to a fresh value
    And "B" sets the sandbox text to another fresh value
    Then the configuration change made in session "B" arrives for it within 5 seconds, and no event its filter leaves out

  # The replay starts at the device's own time of the change, read from the live event, so
  # that clocks apart do not matter.
  @req:MB-03 @cap:subscribed-notifications-replay @rfc8639-2.4.2.1 @rfc8639-2.7.2
  Scenario: A subscription that replays from a time is sent the stream's events since, then replay-completed
    Given a management session "A"
    And a management session "B"
    When "A" subscribes to the NETCONF event stream, filtered to configuration changes made in session "B"
    And "B" sets the sandbox text to a fresh value
    Then the configuration change made in session "B" arrives for it within 5 seconds, and no event its filter leaves out
    When a management session "C" subscribes to the NETCONF event stream's configuration changes made in session "B", replayed from the time of that change
    Then the change made in session "B" arrives for it replayed, then replay-completed
