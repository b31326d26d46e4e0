"""The newcomer's network: demo libraries, their LMS simulators, records and traffic."""
