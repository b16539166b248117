# intrsim bench times a workload from its run.measure_from: the reported
# simulated cycles are until - measure_from, and the interrupts those taken
# after the window opened: the whole run's less those of a run cut there.
execute_process(COMMAND ${INTRSIM} bench --repeat 1 --json --trace off ${WORKLOAD}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "intrsim bench exited ${rc}\n${out}${err}")
endif()
string(STRIP "${out}" out)
string(JSON cycles GET "${out}" sim_cycles)
string(JSON irqs GET "${out}" interrupts)
file(READ ${WORKLOAD} scn)
string(JSON until GET "${scn}" run until)
string(JSON from GET "${scn}" run measure_from)
math(EXPR want "${until} - ${from}")
if(NOT cycles EQUAL want)
  message(FATAL_ERROR "sim_cycles ${cycles}, expected until - measure_from = ${want}")
endif()
execute_process(COMMAND ${INTRSIM} run ${WORKLOAD} --until ${from}
                RESULT_VARIABLE rc OUTPUT_VARIABLE pre ERROR_VARIABLE err)
string(REGEX MATCH "([0-9]+) interrupts" m "${pre}")
set(before ${CMAKE_MATCH_1})
execute_process(COMMAND ${INTRSIM} run ${WORKLOAD}
                RESULT_VARIABLE rc OUTPUT_VARIABLE all ERROR_VARIABLE err)
string(REGEX MATCH "([0-9]+) interrupts" m "${all}")
set(total ${CMAKE_MATCH_1})
if(before STREQUAL "" OR total STREQUAL "")
  message(FATAL_ERROR "no interrupt count in the run summaries:\n${pre}\n${all}")
endif()
math(EXPR want "${total} - ${before}")
if(NOT irqs EQUAL want OR irqs EQUAL 0)
  message(FATAL_ERROR "window interrupts ${irqs}, expected whole run ${total} - start-up ${before}")
endif()
