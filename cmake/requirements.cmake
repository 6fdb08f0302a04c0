# docs/requirements.md: where medsec meets each MFDS item, written from the
# requirement catalog (data/mfds/2019-table3.json) and the test sources.
#
# Included from tests/CMakeLists.txt, it adds the target requirements-doc
# (writes ${CMAKE_BINARY_DIR}/docs/requirements.md; part of every build) and
# the test test_docs_requirements_map. Run as a script it does the work:
#
#   cmake -DMEDSEC_SOURCE_DIR=DIR -DOUT=FILE [-DCHECK=ON] -P requirements.cmake
#
# With CHECK=ON it fails, naming each offence, when an item whose modules
# all exist has no test carrying its tag, when a module, docs page or public
# function (include/medsec/ or include/medsec-tools/) the catalog names does
# not exist, or when the checked-in docs/requirements.md is not what the
# catalog and the tests give today.

# Modules the catalog names ahead of their code: they arrive with medsecd
# (ARCHITECTURE.md). Their items are reported as planned; once a module's
# directory exists, its items need tagged tests like every other.
set(MEDSEC_REQ_PLANNED_MODULES channel daemon guard)
# Items met by a declaration in the device profile ([implementation]),
# which `medsec report` checks, rather than by code: 1.18 is hardware.
set(MEDSEC_REQ_DECLARED_ITEMS 1.18)

if(NOT CMAKE_SCRIPT_MODE_FILE)
	set(req_out ${CMAKE_BINARY_DIR}/docs/requirements.md)
	file(GLOB req_inputs CONFIGURE_DEPENDS
		${CMAKE_SOURCE_DIR}/tests/unit/test_*.c
		${CMAKE_SOURCE_DIR}/tests/attacks/test_*.c
		${CMAKE_SOURCE_DIR}/tests/integration/*.sh
		${CMAKE_SOURCE_DIR}/include/medsec/*.h
		${CMAKE_SOURCE_DIR}/include/medsec-tools/*.h)
	add_custom_command(OUTPUT ${req_out}
		COMMAND ${CMAKE_COMMAND} -DMEDSEC_SOURCE_DIR=${CMAKE_SOURCE_DIR}
			-DOUT=${req_out} -P ${CMAKE_CURRENT_LIST_FILE}
		DEPENDS ${CMAKE_SOURCE_DIR}/data/mfds/2019-table3.json
			${CMAKE_CURRENT_LIST_FILE} ${req_inputs}
		COMMENT "Writing docs/requirements.md from the MFDS catalog"
		VERBATIM)
	add_custom_target(requirements-doc ALL DEPENDS ${req_out})
	add_test(NAME test_docs_requirements_map
		COMMAND ${CMAKE_COMMAND} -DMEDSEC_SOURCE_DIR=${CMAKE_SOURCE_DIR}
			-DOUT=${CMAKE_CURRENT_BINARY_DIR}/requirements-check.md
			-DCHECK=ON -P ${CMAKE_CURRENT_LIST_FILE})
	set_tests_properties(test_docs_requirements_map PROPERTIES LABELS docs)
	return()
endif()

cmake_minimum_required(VERSION 3.25)
set(src ${MEDSEC_SOURCE_DIR})
set(catalog_rel data/mfds/2019-table3.json)
set(errors "")

macro(req_error msg)
	list(APPEND errors "${catalog_rel}: ${msg}")
endmacro()

# The elements of a JSON array of strings at item i, key (empty when the
# key is absent).
function(req_json_list json i key outvar)
	set(values "")
	string(JSON n ERROR_VARIABLE missing LENGTH "${json}" items ${i} ${key})
	if(NOT missing AND n GREATER 0)
		math(EXPR last "${n} - 1")
		foreach(k RANGE ${last})
			string(JSON v GET "${json}" items ${i} ${key} ${k})
			list(APPEND values "${v}")
		endforeach()
	endif()
	set(${outvar} "${values}" PARENT_SCOPE)
endfunction()

# Every test name carrying an MFDS tag, as CTest registers them: cmocka
# entries in the C suites, test_* functions in the shell suites.
function(req_tagged_tests outvar)
	set(names "")
	file(GLOB c_sources ${src}/tests/unit/test_*.c ${src}/tests/attacks/test_*.c)
	foreach(f ${c_sources})
		file(STRINGS ${f} lines REGEX "cmocka_unit_test[a-z_]*\\(test_req_")
		foreach(line ${lines})
			string(REGEX MATCHALL "cmocka_unit_test[a-z_]*\\(test_req_[0-9]+_[0-9]+_[a-z0-9_]*"
				found "${line}")
			foreach(m ${found})
				string(REGEX REPLACE "^.*\\(" "" m "${m}")
				list(APPEND names ${m})
			endforeach()
		endforeach()
	endforeach()
	file(GLOB sh_sources ${src}/tests/integration/*.sh)
	foreach(f ${sh_sources})
		file(STRINGS ${f} lines REGEX "^test_req_[0-9]+_[0-9]+_[a-z0-9_]*\\(\\)")
		foreach(line ${lines})
			string(REGEX MATCH "^test_req_[0-9]+_[0-9]+_[a-z0-9_]*" m "${line}")
			list(APPEND names ${m})
		endforeach()
	endforeach()
	list(REMOVE_DUPLICATES names)
	list(SORT names)
	set(${outvar} "${names}" PARENT_SCOPE)
endfunction()

# "src/lib/<m>", "src/tools/<m>" or "src/<m>" (cli, daemon); empty when
# the module has no directory.
function(req_module_dir m outvar)
	set(dir "")
	foreach(d src/lib/${m} src/tools/${m} src/${m})
		if(IS_DIRECTORY ${src}/${d} AND dir STREQUAL "")
			set(dir ${d})
		endif()
	endforeach()
	set(${outvar} "${dir}" PARENT_SCOPE)
endfunction()

function(req_join outvar sep)
	set(text "")
	foreach(e ${ARGN})
		if(text STREQUAL "")
			set(text "${e}")
		else()
			string(APPEND text "${sep}${e}")
		endif()
	endforeach()
	set(${outvar} "${text}" PARENT_SCOPE)
endfunction()

file(READ ${src}/${catalog_rel} json)
file(GLOB headers ${src}/include/medsec/*.h ${src}/include/medsec-tools/*.h)
set(api "")
foreach(h ${headers})
	file(READ ${h} text)
	string(APPEND api "\n${text}")
endforeach()
req_tagged_tests(all_tests)

string(JSON catalog_name GET "${json}" catalog)
string(JSON catalog_version GET "${json}" version)
string(JSON n_items LENGTH "${json}" items)
math(EXPR last "${n_items} - 1")

set(table "")
set(sections "")
foreach(i RANGE ${last})
	string(JSON id GET "${json}" items ${i} id)
	string(JSON title GET "${json}" items ${i} title)
	string(JSON summary GET "${json}" items ${i} summary)
	string(JSON mechanism GET "${json}" items ${i} mechanism)
	req_json_list("${json}" ${i} modules modules)
	req_json_list("${json}" ${i} test_tags tags)
	req_json_list("${json}" ${i} functions functions)
	req_json_list("${json}" ${i} docs docs)

	set(planned "")
	set(module_text "")
	foreach(m ${modules})
		req_module_dir(${m} dir)
		if(NOT dir STREQUAL "")
			list(APPEND module_text "`${m}`")
		elseif(m IN_LIST MEDSEC_REQ_PLANNED_MODULES)
			list(APPEND planned ${m})
			list(APPEND module_text "`${m}` (planned)")
		else()
			req_error("item ${id}: module '${m}' has no directory src/lib/${m}, src/tools/${m} or src/${m} and is not a planned module")
		endif()
	endforeach()

	set(fn_text "")
	foreach(fn ${functions})
		if(NOT api MATCHES "[^A-Za-z0-9_]${fn}[ \t\r\n]*\\(")
			req_error("item ${id}: function '${fn}' is not declared in include/medsec/ or include/medsec-tools/")
		endif()
		list(APPEND fn_text "`${fn}()`")
	endforeach()

	set(doc_text "")
	foreach(d ${docs})
		if(NOT EXISTS ${src}/${d})
			req_error("item ${id}: docs page '${d}' does not exist")
		endif()
		string(REGEX REPLACE "^docs/" "" link "${d}")
		list(APPEND doc_text "[${d}](${link})")
	endforeach()

	set(tests "")
	foreach(t ${all_tests})
		foreach(tag ${tags})
			string(FIND "${t}" "${tag}" at)
			if(at EQUAL 0)
				list(APPEND tests ${t})
			endif()
		endforeach()
	endforeach()
	list(LENGTH tests n_tests)

	req_join(planned_text ", " ${planned})
	if(planned AND n_tests GREATER 0)
		set(status "partial: ${planned_text} with medsecd")
	elseif(planned)
		set(status "planned: ${planned_text} with medsecd")
	elseif(n_tests GREATER 0)
		set(status "implemented")
	elseif(id IN_LIST MEDSEC_REQ_DECLARED_ITEMS)
		set(status "declared in the device profile")
	elseif(modules)
		set(status "no tagged test")
		req_join(tag_text ", " ${tags})
		req_error("item ${id}: its modules exist but no test carries its tag (${tag_text}): a test that proves it must be named after the tag")
	else()
		set(status "no mechanism claimed")
	endif()

	req_join(modules_md ", " ${module_text})
	req_join(fn_md ", " ${fn_text})
	req_join(docs_md ", " ${doc_text})
	foreach(v modules_md fn_md docs_md)
		if(${v} STREQUAL "")
			set(${v} "none yet")
		endif()
	endforeach()
	list(LENGTH functions n_fn)
	string(APPEND table "| ${id} | ${title} | ${modules_md} | ${n_fn} | ${n_tests} | ${status} |\n")

	string(APPEND sections "\n## ${id} ${title}\n\n${summary}\n\n")
	string(APPEND sections "- Status: ${status}\n")
	string(APPEND sections "- Mechanism: ${mechanism}\n")
	string(APPEND sections "- Modules: ${modules_md}\n")
	string(APPEND sections "- Public functions: ${fn_md}\n")
	string(APPEND sections "- Docs: ${docs_md}\n")
	if(n_tests GREATER 0)
		string(APPEND sections "- Tagged tests (${n_tests}):\n")
		foreach(t ${tests})
			string(APPEND sections "  - `${t}`\n")
		endforeach()
	else()
		string(APPEND sections "- Tagged tests: none\n")
	endif()
endforeach()

set(doc "# MFDS requirements: where medsec meets each item

<!-- Generated by cmake/requirements.cmake from ${catalog_rel}; do not edit.
     Refresh: cmake --build build --target requirements-doc &&
     cp build/docs/requirements.md docs/requirements.md -->

For each item of the MFDS catalog `${catalog_name}` (version ${catalog_version};
the guideline's Table 3 and the checklist of Table 4): the medsec modules that
meet it, the public functions that implement it (`include/medsec/`, the
device library; `include/medsec-tools/`, the manufacturer's tools), the page
that explains it, and the tests that carry its tag (`test_req_<n>_<m>_...`),
which `medsec report` cites as evidence. The test `test_docs_requirements_map`
fails when this page no longer matches the catalog and the tests, or when the
catalog names a module, function or page that does not exist.

Status: *implemented* (every module exists and tests carry the tag),
*partial* or *planned* (a module arrives with the gateway daemon, see
[threat-model.md](threat-model.md)), *declared in the device profile*
(hardware, met by the `[implementation]` declaration the report checks).

| item | title | modules | functions | tagged tests | status |
|---|---|---|---|---|---|
${table}${sections}")

file(WRITE ${OUT} "${doc}")

if(NOT CHECK)
	foreach(e ${errors})
		message(WARNING "${e}")
	endforeach()
	return()
endif()

set(checked_in ${src}/docs/requirements.md)
if(NOT EXISTS ${checked_in})
	list(APPEND errors "docs/requirements.md is missing: cmake --build build --target requirements-doc && cp build/docs/requirements.md docs/requirements.md")
else()
	file(READ ${checked_in} old)
	if(NOT old STREQUAL doc)
		list(APPEND errors "docs/requirements.md is stale (the catalog, the tests or the API changed): cmake --build build --target requirements-doc && cp build/docs/requirements.md docs/requirements.md")
	endif()
endif()
if(errors)
	list(JOIN errors "\n  " text)
	message(FATAL_ERROR "requirements map:\n  ${text}")
endif()
message(STATUS "requirements map: ${n_items} items consistent with the code, tests and docs")
