# Runs SCENARIO twice with traces; requires exit 0 and identical traces.
foreach(i 1 2)
  execute_process(COMMAND ${INTRSIM} run ${SCENARIO} --quiet --trace ${OUT}.${i}.jsonl
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "intrsim run ${SCENARIO} exited ${rc}\n${out}${err}")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.1.jsonl ${OUT}.2.jsonl RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  message(FATAL_ERROR "two runs of ${SCENARIO} gave different traces")
endif()
